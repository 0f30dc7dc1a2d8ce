// The modifier of Cloudflare's test API (`instance.modify(m => ...)`), over the test environment's mocks and
// time rules. Cloudflare's rules: a step is `{ name, index? }` with `index` the 1-based call of that name
// (default 1); a step's result may be mocked once, and not after its error or timeout mocks' attempts are
// counted out; error and timeout mocks of one step take consecutive attempts (2 errors then 1 timeout: attempts
// 1-2 throw, attempt 3 times out).

import { ValidationError, type InstanceRef } from '@cairn/core';
import type { IntrospectionTarget } from './introspection-target.js';
import { checkTimes, type RuleSelector } from './selectors.js';

/** A step as Cloudflare's test API names it. */
export interface WorkflowStepSelector {
  name: string;
  /** The 1-based call of this name in a run. @default 1 */
  index?: number;
}

export interface WorkflowInstanceModifier {
  /** `step.sleep` / `sleepUntil` (all, or the listed ones) end at once. */
  disableSleeps(steps?: WorkflowStepSelector[]): Promise<void>;
  /** Retries of a failing `step.do` (all, or of the listed steps) run without their delay. */
  disableRetryDelays(steps?: WorkflowStepSelector[]): Promise<void>;
  /** The step returns `stepResult` without running its callback. Mocking one step twice throws. */
  mockStepResult(step: WorkflowStepSelector, stepResult: unknown): Promise<void>;
  /** The step's next `times` attempts (every attempt when omitted) throw `error`. */
  mockStepError(step: WorkflowStepSelector, error: Error, times?: number): Promise<void>;
  /** The step's next `times` attempts (every attempt when omitted) run into the step's timeout. */
  forceStepTimeout(step: WorkflowStepSelector, times?: number): Promise<void>;
  /** Delivers the event: a `step.waitForEvent` for its type receives it. */
  mockEvent(event: { type: string; payload: unknown }): Promise<void>;
  /** The `step.waitForEvent` times out at once. */
  forceEventTimeout(step: WorkflowStepSelector): Promise<void>;
}

/** Which instances a modifier reaches: one (by id), or those of a workflow created after an introspector started. */
export interface ModifierScope {
  target: IntrospectionTarget;
  instanceId?: string;
  accept: (ref: InstanceRef) => boolean;
}

const PREFIX = '[WorkflowIntrospector]';

function checkStep(step: unknown, input: string): WorkflowStepSelector {
  const ok =
    typeof step === 'object' &&
    step !== null &&
    typeof (step as WorkflowStepSelector).name === 'string' &&
    ((step as WorkflowStepSelector).index === undefined ||
      (Number.isInteger((step as WorkflowStepSelector).index) && (step as WorkflowStepSelector).index! >= 1));
  if (!ok) throw new ValidationError(input, '{ name: string, index?: integer >= 1 }', step);
  return step as WorkflowStepSelector;
}

function checkSteps(steps: unknown, input: string): WorkflowStepSelector[] | undefined {
  if (steps === undefined) return undefined;
  if (!Array.isArray(steps)) throw new ValidationError(input, 'an array of { name, index? }', steps);
  return steps.map((step, i) => checkStep(step, `${input}[${i}]`));
}

/** Records what it adds, so that the introspector's dispose removes exactly that. */
export class Modifier implements WorkflowInstanceModifier {
  private readonly mockedResults = new Set<string>();
  /** Per step: the first attempt the next error or timeout mock takes. */
  private readonly nextAttempt = new Map<string, number>();

  constructor(
    private readonly scope: ModifierScope,
    private readonly removers: Array<() => void>,
  ) {}

  private selector(step?: WorkflowStepSelector): RuleSelector {
    const { target, instanceId, accept } = this.scope;
    return {
      workflow: target.bindingName,
      ...(instanceId === undefined ? {} : { instanceId }),
      ...(step ? { name: step.name, count: step.index ?? 1 } : {}),
      accept: (workflowName, id) => accept({ workflowName, instanceId: id }),
    };
  }

  private key = (step: WorkflowStepSelector) => `${step.name}\u0000${step.index ?? 1}`;

  private timeRule(kind: 'sleeps' | 'retryDelays', steps: WorkflowStepSelector[] | undefined): void {
    for (const selector of steps ? steps.map((step) => this.selector(step)) : [this.selector()]) {
      this.removers.push(this.scope.target.addTimeRule({ kind, selector }));
    }
  }

  /** The first attempt an error or timeout mock takes: the one after the step's earlier counted mocks. */
  private takeAttempts(step: WorkflowStepSelector, times: number | undefined, what: string): number {
    const key = this.key(step);
    if (this.mockedResults.has(key)) throw new Error(`${PREFIX} Trying to ${what} on step '${step.name}' after mocking its result!`);
    const from = this.nextAttempt.get(key) ?? 1;
    if (times !== undefined) this.nextAttempt.set(key, from + times);
    return from;
  }

  disableSleeps = async (steps?: WorkflowStepSelector[]): Promise<void> => this.timeRule('sleeps', checkSteps(steps, 'disableSleeps steps'));

  disableRetryDelays = async (steps?: WorkflowStepSelector[]): Promise<void> => this.timeRule('retryDelays', checkSteps(steps, 'disableRetryDelays steps'));

  mockStepResult = async (step: WorkflowStepSelector, stepResult: unknown): Promise<void> => {
    const checked = checkStep(step, 'mockStepResult step');
    if (this.mockedResults.has(this.key(checked))) throw new Error(`${PREFIX} Trying to mock step '${checked.name}' multiple times!`);
    this.mockedResults.add(this.key(checked));
    this.removers.push(this.scope.target.addStepRule({ kind: 'result', selector: this.selector(checked), value: stepResult }));
  };

  mockStepError = async (step: WorkflowStepSelector, error: Error, times?: number): Promise<void> => {
    const checked = checkStep(step, 'mockStepError step');
    const count = checkTimes(times, 'mockStepError times');
    if (!(error instanceof Error)) throw new ValidationError('mockStepError error', 'an Error', error);
    const from = this.takeAttempts(checked, count, 'mock error');
    this.removers.push(this.scope.target.addStepRule({ kind: 'error', selector: this.selector(checked), error, times: count, from }));
  };

  forceStepTimeout = async (step: WorkflowStepSelector, times?: number): Promise<void> => {
    const checked = checkStep(step, 'forceStepTimeout step');
    const count = checkTimes(times, 'forceStepTimeout times');
    const from = this.takeAttempts(checked, count, 'force timeout');
    this.removers.push(this.scope.target.addStepRule({ kind: 'timeout', selector: this.selector(checked), times: count, from }));
  };

  mockEvent = async (event: { type: string; payload: unknown }): Promise<void> => {
    if (typeof event !== 'object' || event === null || typeof event.type !== 'string') {
      throw new ValidationError('mockEvent event', '{ type: string, payload: unknown }', event);
    }
    const { target, instanceId, accept } = this.scope;
    const scoped = (ref: InstanceRef) => ref.workflowName === target.bindingName && (instanceId === undefined || ref.instanceId === instanceId) && accept(ref);
    this.removers.push(await target.addMockEvent({ type: event.type, payload: event.payload }, scoped));
  };

  forceEventTimeout = async (step: WorkflowStepSelector): Promise<void> => {
    const checked = checkStep(step, 'forceEventTimeout step');
    this.removers.push(this.scope.target.addTimeRule({ kind: 'eventTimeouts', selector: this.selector(checked) }));
  };
}
