// The public shape of the test environment: its options and the helpers it returns.

import type {
  InstanceRef,
  InstanceStatus,
  InstanceStatusName,
  Runtime,
  RuntimeOptions,
  Workflow,
  WorkflowInstance,
  WorkflowInstanceCreateOptions,
  WorkflowRegistrations,
  WorkflowStore,
} from '@cairn/core';
import type { StepHistoryEntry } from './history.js';
import type { StepSelector } from './selectors.js';
import type { VirtualClock } from './virtual-clock.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as core's: an untyped map by default
export interface TestEnvironmentOptions<Env extends object = Record<string, unknown>, W extends WorkflowRegistrations = any> {
  /** Binding name -> workflow class, as `createRuntime`'s `workflows` (the bindings of `runtime.env` are typed from it). */
  workflows: W;
  /** What workflows see as `this.env`, besides the bindings. @default {} */
  env?: Env;
  /** The store the runtime writes to. @default createMemoryStore() */
  store?: WorkflowStore;
  /** Virtual time at the start. @default Date.now() */
  startTime?: number | Date;
  /**
   * Skip every timer when nothing else can run (Temporal's time-skipping test environment): sleeps, retry
   * delays, step and event timeouts all pass at once. When false, only what `disableSleeps`,
   * `disableRetryDelays`, `forceEventTimeout` and `forceStepTimeout` allow is skipped; `clock.advance`
   * moves time by hand. @default false
   */
  timeSkipping?: boolean;
  /**
   * A step callback still running after this much wall time is taken as hanging: time may move on (its
   * step timeout then fires). Callbacks doing real I/O get this long before virtual time moves under them.
   * @default 2_000
   */
  stepGraceMs?: number;
  /** Passed through to `createRuntime` (e.g. `maxInProcessWaitMs`, `leaseMs`, `stepLimit`, `onError`). @default {} */
  runtime?: Partial<Pick<RuntimeOptions<Env>, 'owner' | 'leaseMs' | 'maxInProcessWaitMs' | 'stepLimit' | 'retention' | 'onError'>>;
}

/** An instance handle, its id (when unique across workflows), or a `{ workflowName, instanceId }`. */
export type InstanceTarget = WorkflowInstance | InstanceRef | string;

export interface MockEventScope {
  /** Only instances of this workflow binding. @default every workflow */
  workflow?: string;
  /** Only this instance. @default every instance */
  instanceId?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as core's: an untyped map by default
export interface TestEnvironment<Env extends object = Record<string, unknown>, W extends WorkflowRegistrations = any> {
  readonly runtime: Runtime<Env, W>;
  readonly clock: VirtualClock;
  /** The store under the runtime (reads here do not count as runtime activity). */
  readonly store: WorkflowStore;
  workflow<Params = unknown>(bindingName: string): Workflow<Params>;
  /** Creates an instance and lets it run until it blocks (no virtual time passes). */
  create<Params = unknown>(bindingName: string, options?: WorkflowInstanceCreateOptions<Params>): Promise<WorkflowInstance>;
  /** Waits until the runtime is quiet; no virtual time passes. */
  settle(): Promise<void>;
  /** Moves virtual time forward (ms or '3 days'), firing timers in order. */
  advance(duration: number | string): Promise<void>;
  /** Runs, skipping what the time rules allow, until nothing more can happen without the test. */
  runUntilIdle(): Promise<void>;
  /** Runs until the instance has one of `status`; throws if it finishes otherwise or cannot get there. */
  waitForStatus(target: InstanceTarget, status: InstanceStatusName | InstanceStatusName[]): Promise<InstanceStatus>;
  /** Runs until the instance is complete, errored or terminated. */
  runToCompletion(target: InstanceTarget): Promise<InstanceStatus>;
  /** Runs until the step has an outcome; returns its history entry (value or error). */
  waitForStepResult(target: InstanceTarget, step: StepSelector): Promise<StepHistoryEntry>;
  /** Runs until the instance waits in `step.waitForEvent` for `type`. */
  waitForPendingEvent(target: InstanceTarget, type: string): Promise<StepHistoryEntry>;
  /** Sends an event to the instance and lets it react. */
  sendEvent(target: InstanceTarget, event: { type: string; payload?: unknown }): Promise<void>;
  /** The step history of the instance's current run, from the journal. */
  steps(target: InstanceTarget): Promise<StepHistoryEntry[]>;
  /** The matching step returns `value` without running its callback. */
  mockStepResult(step: StepSelector, value: unknown): void;
  /** The matching step's first `times` attempts (every attempt when omitted) throw `error`. */
  mockStepError(step: StepSelector, error: unknown, times?: number): void;
  /** The matching step's first `times` attempts (every one when omitted) run into the step's timeout. */
  forceStepTimeout(step: StepSelector, times?: number): void;
  /** Delivers the event to every matching instance, now and as each is created. */
  mockEvent(event: { type: string; payload?: unknown }, scope?: MockEventScope): Promise<void>;
  /** The matching `waitForEvent` times out (virtual time jumps to its deadline). */
  forceEventTimeout(step: StepSelector): void;
  /** Sleeps (all, or those matching) end at once: virtual time jumps to their end. */
  disableSleeps(steps?: StepSelector[]): void;
  /** Retry delays (all, or of the matching steps) pass at once. */
  disableRetryDelays(steps?: StepSelector[]): void;
  /** Drops every mock and time rule set so far. */
  resetMocks(): void;
  /** Closes the runtime (firing the timers of replays still in progress so that they end). */
  close(): Promise<void>;
}
