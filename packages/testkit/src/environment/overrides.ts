// The step mocks, as one `stepOverride` hook for core's runtime. Error and timeout mocks apply to the first
// `times` attempts (by attempt number, so a replay decides the same); result mocks to every attempt after.
// It also remembers which attempts run for real or wait for a forced timeout, so the environment knows
// when it may move time.

import type { StepOverride, StepOverrideHook, StepAttemptInfo } from '@cairn/core';
import { matches, type RuleSelector } from './selectors.js';

/** Error and timeout rules apply to attempts `from` (default 1) to `from + times - 1` (every one from `from` when `times` is omitted). */
export type StepRule =
  | { kind: 'result'; selector: RuleSelector; value: unknown }
  | { kind: 'error'; selector: RuleSelector; error: unknown; times: number | undefined; from?: number }
  | { kind: 'timeout'; selector: RuleSelector; times: number | undefined; from?: number };

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
  /** Adds a rule; the function returned removes it again. */
  add(rule: StepRule): () => void;
  reset(): void;
  /** Attempts started and maybe not yet recorded; the environment removes those it finds recorded. */
  readonly inFlight: Set<TrackedAttempt>;
}

export function createStepOverrides(): StepOverrides {
  const rules: StepRule[] = [];
  const inFlight = new Set<TrackedAttempt>();

  const decide = (step: StepAttemptInfo): StepOverride | undefined => {
    for (let i = rules.length - 1; i >= 0; i--) {
      const rule = rules[i]!;
      if (rule.kind === 'result' || !matches(rule.selector, step)) continue;
      const from = rule.from ?? 1;
      if (step.attempt < from || (rule.times !== undefined && step.attempt >= from + rule.times)) continue;
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
    add(rule) {
      rules.push(rule);
      return () => {
        const at = rules.indexOf(rule);
        if (at >= 0) rules.splice(at, 1);
      };
    },
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
