// Time as the engine sees it. Tests swap in a virtual clock (see @cairn/testkit).

export interface Clock {
  now(): number;
  /**
   * Calls `callback` after `ms`; returns a function that cancels it. A `background` timer (the lease
   * heartbeat) does not keep the process alive by itself.
   */
  setTimer(callback: () => void, ms: number, options?: { background?: boolean }): () => void;
}

/** Node fires a timeout longer than this at once; longer waits are chained. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, ms, options) {
    let handle: NodeJS.Timeout;
    const arm = (remaining: number) => {
      if (remaining > MAX_TIMEOUT_MS) handle = setTimeout(() => arm(remaining - MAX_TIMEOUT_MS), MAX_TIMEOUT_MS);
      else handle = setTimeout(callback, Math.max(0, remaining));
      if (options?.background) handle.unref();
    };
    arm(ms);
    return () => clearTimeout(handle);
  },
};

export function sleepFor(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const cancel = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      cancel();
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
