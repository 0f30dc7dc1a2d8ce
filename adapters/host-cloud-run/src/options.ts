// Options of createCloudRunHandler, validated once.

import { z } from 'zod';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_SWEEP_PATH, DEFAULT_WAKE_PATH, type HostRuntime as CoreHostRuntime, type Runtime } from '@cairn/core';
import { AuthOptionsSchema, type CloudRunAuthOptions } from './auth/authenticate.js';

export type HostRuntime = CoreHostRuntime & Pick<Runtime<any>, 'close'>;

export interface CloudRunHandlerOptions {
  /** The runtime (createRuntime) whose workflows this service runs, with a remote scheduler such as Cloud Tasks. */
  runtime: HostRuntime;
  /** How callers prove who they are. At least one of `oidc`, `hmac`. */
  auth: CloudRunAuthOptions;
  /** The Cloud Run service's request timeout (`gcloud run deploy --timeout`). @default 300_000 (Cloud Run's default) */
  requestTimeoutMs?: number;
  /** Replays stop starting new steps this long before the request timeout. @default 10_000 */
  safetyMarginMs?: number;
  /** Where Cloud Tasks delivers wake-ups. @default '/_cairn/wake' */
  wakePath?: string;
  /** Where Cloud Scheduler triggers the sweeper. @default '/_cairn/sweep' */
  sweepPath?: string;
  /** A prefix for the REST API's routes (`/workflows/...`). @default '' */
  apiBasePath?: string;
  /** Larger request bodies are refused with 413. @default 2 MiB */
  maxBodyBytes?: number;
  /** Replays a sweep runs at once. @default 4 */
  sweepConcurrency?: number;
  /**
   * Sleeps and retry delays up to this long wait inside the wake request (if they also fit before its
   * deadline); longer ones suspend the instance and become Cloud Tasks tasks. Waits never outlast the deadline.
   * @default the runtime's `maxInProcessWaitMs` (1 s unless set)
   */
  maxInProcessWaitMs?: number;
  /** Failures no caller sees in full (replays that threw, refused credentials). @default console.error / console.warn */
  onError?: (error: unknown, context: { operation: string; path: string }) => void;
  onAuthFailure?: (reason: string, request: Request) => void;
}

const PathSchema = z.string().regex(/^\/[A-Za-z0-9._~/-]*$/, 'a path such as /_cairn/wake');
const FunctionSchema = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function');

export const HandlerOptionsSchema = z.object({
  runtime: z.custom<HostRuntime>(
    (value) => typeof value === 'object' && value !== null && typeof (value as HostRuntime).wake === 'function',
    'a Runtime (from createRuntime)',
  ),
  auth: AuthOptionsSchema,
  requestTimeoutMs: z.number().int().min(1000).max(3_600_000).default(300_000),
  safetyMarginMs: z.number().int().min(0).default(10_000),
  wakePath: PathSchema.default(DEFAULT_WAKE_PATH),
  sweepPath: PathSchema.default(DEFAULT_SWEEP_PATH),
  apiBasePath: z
    .string()
    .regex(/^(\/[^/?#]+)*$/, 'a path such as /api')
    .default(''),
  maxBodyBytes: z.number().int().min(1024).default(DEFAULT_MAX_BODY_BYTES),
  sweepConcurrency: z.number().int().min(1).max(64).default(4),
  maxInProcessWaitMs: z.number().int().min(0).optional(),
  onError: FunctionSchema.optional(),
  onAuthFailure: FunctionSchema.optional(),
});
