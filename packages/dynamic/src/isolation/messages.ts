// What an isolated tenant's Worker sends the engine, parsed at the boundary: a Worker that sends anything else is
// stopped, and its run fails.

import { z } from 'zod';

const ErrorSchema = z.object({ name: z.string(), message: z.string(), stack: z.string().optional() });
export type WorkerError = z.infer<typeof ErrorSchema>;

const RunId = z.number().int().positive();

export const WorkerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('load-failed'), error: ErrorSchema }),
  z.object({
    type: z.literal('call'),
    runId: RunId,
    id: z.number().int().positive(),
    op: z.enum(['do', 'sleep', 'sleepUntil', 'waitForEvent']),
    name: z.string(),
    args: z.array(z.unknown()),
  }),
  z.object({
    type: z.literal('attempt-result'),
    runId: RunId,
    attemptId: z.number().int().positive(),
    ok: z.boolean(),
    value: z.unknown().optional(),
    error: ErrorSchema.optional(),
  }),
  z.object({ type: z.literal('done'), runId: RunId, ok: z.boolean(), value: z.unknown().optional(), error: ErrorSchema.optional() }),
]);
type WorkerMessage = z.infer<typeof WorkerMessageSchema>;
export type StepCallMessage = Extract<WorkerMessage, { type: 'call' }>;
/** What a run handles: every message but the Worker's own ready / load-failed. */
export type RunMessage = Extract<WorkerMessage, { runId: number }>;

export function errorOf(error: unknown): WorkerError {
  const found = error as { name?: unknown; message?: unknown; stack?: unknown } | null;
  return {
    name: typeof found?.name === 'string' ? found.name : 'Error',
    message: typeof found?.message === 'string' ? found.message : String(error),
    ...(typeof found?.stack === 'string' ? { stack: found.stack } : {}),
  };
}

export function toError(data: WorkerError | undefined): Error {
  const error = new Error(data?.message ?? 'the tenant code failed');
  error.name = data?.name ?? 'Error';
  if (data?.stack) error.stack = data.stack;
  return error;
}
