// What the hooked store cannot see, told from two engine points: the start of a `step.do` attempt (which writes
// no record) from the step-override point, called as each forward attempt begins, in front of the test override
// if there is one; and the end of a sleep (which writes no record either) from the sleep itself.

import type { Clock } from '../clock.js';
import type { EngineSettings, StepOverrideHook } from '../engine/settings.js';
import { callHook, type HookErrorHandler } from './call-hook.js';
import type { RuntimeHooks } from './types.js';

export function reportingStepStarts(inner: StepOverrideHook | undefined, hooks: RuntimeHooks, clock: Clock, onError: HookErrorHandler): StepOverrideHook {
  return (step) => {
    callHook(
      hooks,
      'onStepStart',
      {
        ref: { workflowName: step.workflowName, instanceId: step.instanceId },
        name: step.name,
        kind: 'do',
        count: step.count,
        attempt: step.attempt,
        startedAt: clock.now(),
      },
      onError,
    );
    return inner?.(step);
  };
}

export function reportingSleepEnds(hooks: RuntimeHooks, onError: HookErrorHandler): NonNullable<EngineSettings['onSleepEnd']> {
  return (ref, start, endedAt) =>
    callHook(
      hooks,
      'onStepEnd',
      {
        ref: { workflowName: ref.workflowName, instanceId: ref.instanceId },
        name: start.name,
        kind: 'sleep',
        attempt: 0,
        durationMs: Math.max(0, endedAt - start.startedAt),
        outcome: 'completed',
        record: start,
      },
      onError,
    );
}
