// Which steps a mock or a time rule applies to.

import { ValidationError } from '@cairn/core';

/** A step by name, optionally its occurrence (`count`, 1-based) and the workflow or instance it runs in. */
export interface StepSelector {
  name: string;
  /** Only the n-th call of this name in a run. @default every call */
  count?: number;
  /** Only in instances of this workflow binding. @default every workflow */
  workflow?: string;
  /** Only in this instance. @default every instance */
  instanceId?: string;
}

/** What a mock or time rule matches internally: a selector, or (no name) every step of a workflow or instance. */
export type RuleSelector = Omit<StepSelector, 'name'> & {
  name?: string;
  /** Only in the instances this accepts (an introspector's: those created after it started). */
  accept?: (workflowName: string, instanceId: string) => boolean;
};

export interface StepIdentity {
  workflowName: string;
  instanceId: string;
  name: string;
  count: number;
}

export function matches(selector: RuleSelector, step: StepIdentity): boolean {
  return (
    (selector.name === undefined || selector.name === step.name) &&
    (selector.count === undefined || selector.count === step.count) &&
    (selector.workflow === undefined || selector.workflow === step.workflowName) &&
    (selector.instanceId === undefined || selector.instanceId === step.instanceId) &&
    (selector.accept === undefined || selector.accept(step.workflowName, step.instanceId))
  );
}

export function checkSelector(selector: unknown, input: string): StepSelector {
  const ok =
    typeof selector === 'object' &&
    selector !== null &&
    typeof (selector as StepSelector).name === 'string' &&
    ((selector as StepSelector).count === undefined || Number.isInteger((selector as StepSelector).count));
  if (!ok) throw new ValidationError(input, '{ name: string, count?: integer, workflow?: string, instanceId?: string }', selector);
  return selector as StepSelector;
}

export function checkTimes(times: unknown, input: string): number | undefined {
  if (times === undefined) return undefined;
  if (typeof times !== 'number' || !Number.isInteger(times) || times < 1) throw new ValidationError(input, 'an integer >= 1', times);
  return times;
}
