// Calls one hook so that it can neither break nor stall the engine: errors thrown or rejected are reported,
// never thrown, and a returned promise is not awaited.

import type { InstanceRef } from '../store.js';
import type { RuntimeHooks } from './types.js';

type HookName = keyof RuntimeHooks;
export type HookErrorHandler = (error: unknown, context: InstanceRef & { operation: string }) => void;

export function callHook<N extends HookName>(
  hooks: RuntimeHooks,
  name: N,
  info: Parameters<NonNullable<RuntimeHooks[N]>>[0] & { ref: InstanceRef },
  onError: HookErrorHandler,
): void {
  const hook = hooks[name] as ((info: unknown) => unknown) | undefined;
  if (!hook) return;
  const report = (error: unknown) => {
    try {
      onError(error, { ...info.ref, operation: `hook ${name}` });
    } catch {
      // the error handler failed too: nothing is left to tell
    }
  };
  try {
    const result = hook.call(hooks, info);
    if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') (result as Promise<unknown>).then(undefined, report);
  } catch (error) {
    report(error);
  }
}
