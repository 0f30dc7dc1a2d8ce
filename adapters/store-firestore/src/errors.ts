// Turns gRPC failures into Cairn's typed errors, and retries the ones worth retrying.

import { AdapterError, CairnError, withRetries, type Clock } from '@cairn/core';

export const ADAPTER = 'firestore';

/** gRPC status codes (google.rpc.Code) the store looks at. */
export const Code = {
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const CODE_NAMES: Record<number, string> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  15: 'DATA_LOSS',
  16: 'UNAUTHENTICATED',
};

const RETRYABLE = new Set<number>([Code.ABORTED, Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED, Code.RESOURCE_EXHAUSTED]);

export function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function isRetryable(error: unknown): boolean {
  const code = grpcCode(error);
  return code !== undefined && RETRYABLE.has(code);
}

/** Cairn errors pass through; anything else becomes an AdapterError naming the operation, with a hint. */
export function toCairnError(operation: string, error: unknown): CairnError {
  if (CairnError.is(error)) return error;
  const code = grpcCode(error);
  const text = (error as { details?: unknown; message?: unknown } | null)?.details ?? (error as Error | null)?.message;
  const detail = typeof text === 'string' && text.length > 0 ? text : String(error);
  let hint = '';
  if (code === Code.FAILED_PRECONDITION && /index/i.test(detail)) {
    hint = ' (deploy the indexes in @cairn/store-firestore/firestore.indexes.json)';
  } else if (code === Code.PERMISSION_DENIED || code === Code.UNAUTHENTICATED) {
    hint = ' (the service account needs roles/datastore.user)';
  }
  const name = code === undefined ? '' : `${CODE_NAMES[code] ?? `code ${code}`}: `;
  return new AdapterError(ADAPTER, operation, `${name}${detail}${hint}`, {
    cause: error,
    ...(code === Code.PERMISSION_DENIED || code === Code.UNAUTHENTICATED ? { option: 'firestore' } : {}),
  });
}

export interface RetryPolicy {
  maxAttempts: number;
  /** First delay; doubles each attempt, with full jitter, up to `maxDelayMs`. @default 50 */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Waits between attempts. @default real timers */
  clock?: Clock;
}

/** Runs `fn` (given the attempt, from 0), retrying retryable gRPC errors with core's backoff; maps the final failure with `toCairnError`. */
export async function withRetry<T>(operation: string, policy: RetryPolicy, fn: (attempt: number) => Promise<T>): Promise<T> {
  try {
    return await withRetries(
      {
        maxAttempts: policy.maxAttempts,
        baseMs: policy.baseDelayMs ?? 50,
        maxMs: policy.maxDelayMs ?? 2_000,
        jitter: 'full',
        retryable: isRetryable,
        clock: policy.clock,
      },
      (attempt) => fn(attempt - 1),
    );
  } catch (error) {
    throw toCairnError(operation, error);
  }
}
