// The step mocks, as one `stepOverride` hook for core's runtime. Error and timeout mocks apply to the first
// `times` attempts (by attempt number, so a replay decides the same); result mocks to every attempt after.
// It also remembers which attempts run for real or wait for a forced timeout, so the environment knows
// when it may move time.

import type { StepOverride, StepOverrideHook, StepAttemptInfo } from '@cairn/core';
import { matches, type StepSelector } from './selectors.js';

type Rule =
  | { kind: 'result'; selector: StepSelector; value: unknown }
  | { kind: 'error'; selector: StepSelector; error: unknown; times: number | undefined }
  | { kind: 'timeout'; selector: StepSelector; times: number | undefined };

export interface TrackedAttempt {
  workflowName: string;
  instanceId: string;
  /** The journal key of the step: `do:<name>-<count>`. */
  key: string;
  attempt: number;
  /** `real`: the workflow's own callback runs; `timeout`: the engine waits for the step's timeout. */
  mode: 'real' | 'timeout';
  /** Wall-clock time the attempt started (for the grace period of real callbacks). */
  since: number;
}

export interface StepOverrides {
  hook: StepOverrideHook;
  add(rule: Rule): void;
  reset(): void;
  /** Attempts started and maybe not yet recorded; the environment removes those it finds recorded. */
  readonly inFlight: Set<TrackedAttempt>;
}

export function createStepOverrides(): StepOverrides {
  const rules: Rule[] = [];
  const inFlight = new Set<TrackedAttempt>();

  const decide = (step: StepAttemptInfo): StepOverride | undefined => {
    for (let i = rules.length - 1; i >= 0; i--) {
      const rule = rules[i]!;
      if (rule.kind === 'result' || !matches(rule.selector, step)) continue;
      if (rule.times !== undefined && step.attempt > rule.times) continue;
      return rule.kind === 'error' ? { error: rule.error } : { timeout: true };
    }
    for (let i = rules.length - 1; i >= 0; i--) {
      const rule = rules[i]!;
      if (rule.kind === 'result' && matches(rule.selector, step)) return { value: rule.value };
    }
    return undefined;
  };

  return {
    inFlight,
    add: (rule) => void rules.push(rule),
    reset: () => void rules.splice(0),
    hook(step) {
      const override = decide(step);
      if (!override || 'timeout' in override) {
        inFlight.add({
          workflowName: step.workflowName,
          instanceId: step.instanceId,
          key: `do:${step.name}-${step.count}`,
          attempt: step.attempt,
          mode: override ? 'timeout' : 'real',
          since: Date.now(),
        });
      }
      return override;
    },
  };
}
