// DynamoDB failures -> Cairn errors. Condition failures are decided by the caller (they mean a typed
// error); everything else becomes an AdapterError naming the operation and keeping the cause. Raw
// ConditionalCheckFailedException / TransactionCanceledException never reach users.

import { AdapterError, CairnError, withRetries, type Clock } from '@cairn/core';
import type { CancellationReason } from '@aws-sdk/client-dynamodb';

export function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;
}

export function isConditionFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (errorName(error) !== 'TransactionCanceledException') return undefined;
  return (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
}

/** Another transaction held one of the items: safe to send again (the SDK does not retry these). */
function isTransactionConflict(error: unknown): boolean {
  if (errorName(error) === 'TransactionConflictException') return true;
  const reasons = cancellationReasons(error);
  return (
    reasons !== undefined &&
    reasons.some((reason) => reason.Code === 'TransactionConflict') &&
    reasons.every((reason) => reason.Code === 'TransactionConflict' || reason.Code === 'None' || reason.Code === undefined)
  );
}

export function toAdapterError(error: unknown, operation: string, tableName: string): Error {
  if (CairnError.is(error)) return error;
  const name = errorName(error) ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'ResourceNotFoundException') {
    return new AdapterError('dynamodb', operation, `table "${tableName}" (or one of its indexes) does not exist: ${message}`, {
      cause: error,
      option: 'tableName',
    });
  }
  if (name === 'TransactionCanceledException') {
    const codes = (cancellationReasons(error) ?? []).map((reason) => reason.Code ?? 'None').join(', ');
    return new AdapterError('dynamodb', operation, `transaction cancelled (${codes}): ${message}`, { cause: error });
  }
  return new AdapterError('dynamodb', operation, `${name}: ${message}`, { cause: error, option: optionOf(name) });
}

/** Failures that a client setting fixes name it. */
function optionOf(name: string): string | undefined {
  if (name === 'ProvisionedThroughputExceededException' || name === 'ThrottlingException' || name === 'RequestLimitExceeded') {
    return 'client.maxAttempts';
  }
  if (name === 'UnrecognizedClientException' || name === 'AccessDeniedException' || name === 'CredentialsProviderError') {
    return 'client';
  }
  return undefined;
}

const CONFLICT_ATTEMPTS = 8;

/** Runs `send` again while DynamoDB reports a transaction conflict, with core's jittered backoff. */
export function retryConflicts<T>(send: () => Promise<T>, clock?: Clock): Promise<T> {
  return withRetries({ maxAttempts: CONFLICT_ATTEMPTS, baseMs: 10, maxMs: 200, jitter: 'full', retryable: isTransactionConflict, clock }, send);
}
