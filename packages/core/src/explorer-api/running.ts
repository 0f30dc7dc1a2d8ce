// The attempts running now in this process, told by lifecycle hooks: the journal records an attempt only when
// it ends, so only the process running it knows it runs. `cairn dev` gives these to the explorer API, whose
// instance details then show the running step (as Cloudflare's do).

import type { RuntimeHooks } from '../hooks/types.js';
import { refKey } from '../shared/refs.js';
import type { InstanceRef } from '../store.js';

export interface RunningAttempt {
  name: string;
  /** 1 for the first call of this name. */
  count: number;
  attempt: number;
  startedAt: number;
}

export interface RunningAttempts {
  /** Give these to `createRuntime({ hooks })` (merged with others). */
  hooks: RuntimeHooks;
  running(ref: InstanceRef): readonly RunningAttempt[];
}

export function trackRunningAttempts(): RunningAttempts {
  const byInstance = new Map<string, Map<string, RunningAttempt>>();
  const attemptKey = (name: string, attempt: number) => `${name}\u0000${attempt}`;
  return {
    hooks: {
      onStepStart(info) {
        if (info.kind !== 'do') return;
        const key = refKey(info.ref);
        const attempts = byInstance.get(key) ?? new Map<string, RunningAttempt>();
        attempts.set(attemptKey(info.name, info.attempt), { name: info.name, count: info.count, attempt: info.attempt, startedAt: info.startedAt });
        byInstance.set(key, attempts);
      },
      onStepEnd(info) {
        if (info.kind !== 'do') return;
        const attempts = byInstance.get(refKey(info.ref));
        attempts?.delete(attemptKey(info.name, info.attempt));
        if (attempts?.size === 0) byInstance.delete(refKey(info.ref));
      },
      // A replay that ended left nothing running (an attempt whose outcome was not recorded was abandoned).
      onReplay: (info) => void byInstance.delete(refKey(info.ref)),
    },
    running: (ref) => [...(byInstance.get(refKey(ref))?.values() ?? [])],
  };
}
