// The `ctx` a step callback (or a rollback handler) receives, as Cloudflare gives it: a plain object a step may
// return, whose `signal` is a non-enumerable getter, so it does not serialize and is made only when read.

import type { WorkflowStepContext } from '../entrypoint.js';
import type { WorkflowStepContextConfig } from '../step-config.js';

export function stepContext(
  step: { name: string; count: number },
  attempt: number,
  config: WorkflowStepContextConfig,
  signal: () => AbortSignal,
): WorkflowStepContext {
  const ctx = { step, attempt, config } as WorkflowStepContext;
  Object.defineProperty(ctx, 'signal', { get: signal, enumerable: false });
  return ctx;
}
