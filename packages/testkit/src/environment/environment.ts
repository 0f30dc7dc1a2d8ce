// createTestEnvironment: a runtime on a memory store and a virtual clock, with Cloudflare's introspection
// mocks (mockStepResult, mockStepError, forceStepTimeout, mockEvent, forceEventTimeout, disableSleeps,
// disableRetryDelays) and Temporal-style time skipping. Built on core's public API only: `createRuntime`
// with a `clock` and a `stepOverride` hook.
//
// How time moves: never by itself. Work that is due runs (the clock fires due timers); when the runtime is
// quiet (no store call for a few macrotasks, no due timer, no step callback still running) a driving helper
// (`runToCompletion`, `waitForStatus`...) jumps to the next wait the test allowed to skip, and so on.

import { z } from 'zod';
import {
  FINISHED_STATUSES,
  InstanceNotFoundError,
  ValidationError,
  createMemoryStore,
  createRuntime,
  parseOptions,
  refKey,
  instanceStatusOf,
  parseDuration,
  type InstanceRecord,
  type InstanceRef,
  type InstanceStatus,
  type InstanceStatusName,
  type Journal,
  type Runtime,
  type Workflow,
  type WorkflowInstance,
  type WorkflowInstanceCreateOptions,
  type WorkflowStore,
  type WorkflowRegistrations,
} from '@cairn/core';
import { MAX_JUMPS, TimeDriver } from './driver.js';
import { stepHistory, type StepHistoryEntry } from './history.js';
import { createStepOverrides, type StepOverrides } from './overrides.js';
import { checkSelector, checkTimes, type RuleSelector, type StepSelector } from './selectors.js';
import { trackStore, type TrackedStore } from './tracked-store.js';
import type { InstanceTarget, MockEventScope, TestEnvironment, TestEnvironmentOptions } from './types.js';
import { createVirtualClock, type VirtualClock } from './virtual-clock.js';
import { registerIntrospectionTarget, type IntrospectionTarget } from './introspection-target.js';

export type { InstanceTarget, MockEventScope, TestEnvironment, TestEnvironmentOptions } from './types.js';

const OptionsSchema = z.object({
  workflows: z.record(z.string().min(1), z.unknown()),
  env: z.record(z.string(), z.unknown()).optional(),
  store: z
    .custom<WorkflowStore>(
      (value) => typeof value === 'object' && value !== null && typeof (value as WorkflowStore).loadJournal === 'function',
      'a WorkflowStore',
    )
    .optional(),
  startTime: z.union([z.number().finite(), z.date()]).optional(),
  timeSkipping: z.boolean().default(false),
  stepGraceMs: z.number().int().min(0).default(2_000),
  runtime: z.record(z.string(), z.unknown()).default({}),
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as core's createRuntime: an untyped map by default
export function createTestEnvironment<Env extends object = Record<string, unknown>, const W extends WorkflowRegistrations = any>(
  options: TestEnvironmentOptions<Env, W>,
): TestEnvironment<Env, W> {
  const { timeSkipping, stepGraceMs } = parseOptions(OptionsSchema, options, { adapter: 'testkit', factory: 'createTestEnvironment' });
  const raw = options.store ?? createMemoryStore();
  const tracked = trackStore(raw);
  const overrides = createStepOverrides();
  const driver = new TimeDriver(raw, tracked, overrides, timeSkipping, stepGraceMs);
  driver.clock = createVirtualClock({ start: options.startTime ?? Date.now(), settle: () => driver.settle() });
  const runtime = createRuntime<Env, W>({
    ...options.runtime,
    store: tracked.store,
    workflows: options.workflows,
    ...(options.env ? { env: options.env } : {}),
    clock: driver.clock,
    stepOverride: overrides.hook,
  });
  return new Environment<Env, W>(runtime, raw, tracked, overrides, driver);
}

interface MockedEvent {
  event: { type: string; payload?: unknown };
  accept: (ref: InstanceRef) => boolean;
  delivered: Set<string>;
}

const inScope = (scope: MockEventScope) => (ref: InstanceRef) =>
  (scope.workflow === undefined || scope.workflow === ref.workflowName) && (scope.instanceId === undefined || scope.instanceId === ref.instanceId);

const addTo = (current: 'all' | RuleSelector[], added: 'all' | StepSelector[]) => (current === 'all' || added === 'all' ? 'all' : [...current, ...added]);

function selectorList(steps: StepSelector[] | undefined, input: string): 'all' | StepSelector[] {
  if (steps === undefined) return 'all';
  if (!Array.isArray(steps)) throw new ValidationError(input, 'an array of { name, count? }', steps);
  return steps.map((step, i) => checkSelector(step, `${input}[${i}]`));
}

function finishedError(ref: InstanceRef, instance: InstanceRecord, wanted: string): Error {
  return new Error(
    `[cairn testkit] ${ref.workflowName}/${ref.instanceId} ended as ${instance.status}` +
      `${instance.error ? ` (${instance.error.name}: ${instance.error.message})` : ''} before ${wanted}`,
  );
}

/** The environment's API; every helper settles before it answers. Methods are arrow properties, so they destructure. */
class Environment<Env extends object, W extends WorkflowRegistrations> implements TestEnvironment<Env, W> {
  readonly clock: VirtualClock;
  private readonly mockEvents: MockedEvent[] = [];

  constructor(
    readonly runtime: Runtime<Env, W>,
    readonly store: WorkflowStore,
    private readonly tracked: TrackedStore,
    private readonly overrides: StepOverrides,
    private readonly driver: TimeDriver,
  ) {
    this.clock = driver.clock;
    tracked.onCreate = async (ref) => {
      for (const mock of this.mockEvents) await this.deliver(mock, ref);
    };
    for (const bindingName of runtime.workflowNames) registerIntrospectionTarget(this.rt.workflow(bindingName), this.introspectionTarget(bindingName));
  }

  /** The runtime without the workflows map's types: the environment's helpers take any binding name. */
  private get rt(): Runtime<Env> {
    return this.runtime as Runtime<Env>;
  }

  private introspectionTarget(bindingName: string): IntrospectionTarget {
    return {
      bindingName,
      runtime: this.rt,
      store: this.store,
      created: () => this.tracked.created,
      addStepRule: (rule) => this.overrides.add(rule),
      addTimeRule: (rule) => {
        this.driver.scopedRules.add(rule);
        return () => void this.driver.scopedRules.delete(rule);
      },
      addMockEvent: async (event, accept) => {
        const mock = await this.addMockEvent(event, accept);
        return () => {
          const at = this.mockEvents.indexOf(mock);
          if (at >= 0) this.mockEvents.splice(at, 1);
        };
      },
      drive: (what, check, widen) => this.driver.drive(what, check, widen),
      settle: this.settle,
      load: (ref) => this.store.loadJournal(ref),
      now: () => this.clock.now(),
    };
  }

  workflow = <Params = unknown>(bindingName: string): Workflow<Params> => this.rt.workflow(bindingName) as Workflow<Params>;

  create = async (bindingName: string, createOptions?: WorkflowInstanceCreateOptions): Promise<WorkflowInstance> => {
    const instance = await this.rt.workflow(bindingName).create(createOptions);
    await this.settle();
    return instance;
  };

  settle = (): Promise<void> => this.driver.settle();

  advance = async (duration: Parameters<TestEnvironment['advance']>[0]): Promise<void> => {
    await this.clock.advance(parseDuration(duration, 'env.advance duration'));
  };

  runUntilIdle = (): Promise<void> => this.driver.runUntilIdle();

  waitForStatus = async (target: InstanceTarget, status: InstanceStatusName | InstanceStatusName[]): Promise<InstanceStatus> => {
    const wanted = Array.isArray(status) ? status : [status];
    const ref = await this.resolve(target);
    return this.driver.drive(`${ref.workflowName}/${ref.instanceId} has not reached ${wanted.join(' or ')}`, async () => {
      const { instance } = await this.load(ref);
      // The status as `instance.status()` reports it: one definition in core.
      if (wanted.includes(instance.status)) return instanceStatusOf(instance);
      if (FINISHED_STATUSES.has(instance.status)) throw finishedError(ref, instance, `reaching ${wanted.join(' or ')}`);
      return undefined;
    });
  };

  runToCompletion = (target: InstanceTarget): Promise<InstanceStatus> => this.waitForStatus(target, ['complete', 'errored', 'terminated']);

  waitForStepResult = async (target: InstanceTarget, step: StepSelector): Promise<StepHistoryEntry> => {
    const selector = checkSelector(step, 'waitForStepResult step');
    const ref = await this.resolve(target);
    return this.driver.drive(`step "${selector.name}" of ${ref.workflowName}/${ref.instanceId} has no result yet`, async () => {
      const journal = await this.load(ref);
      const entry = stepHistory(journal, this.clock.now()).find(
        (one) =>
          one.name === selector.name && (selector.count === undefined || one.count === selector.count) && (one.state === 'completed' || one.state === 'failed'),
      );
      if (entry) return entry;
      if (FINISHED_STATUSES.has(journal.instance.status)) throw finishedError(ref, journal.instance, `step "${selector.name}" had a result`);
      return undefined;
    });
  };

  waitForPendingEvent = async (target: InstanceTarget, type: string): Promise<StepHistoryEntry> => {
    const ref = await this.resolve(target);
    return this.driver.drive(`${ref.workflowName}/${ref.instanceId} does not wait for an event "${type}"`, async () => {
      const journal = await this.load(ref);
      const entry = stepHistory(journal, this.clock.now()).find((one) => one.state === 'waiting' && one.eventType === type);
      if (entry) return entry;
      if (FINISHED_STATUSES.has(journal.instance.status)) throw finishedError(ref, journal.instance, `waiting for an event "${type}"`);
      return undefined;
    });
  };

  sendEvent = async (target: InstanceTarget, event: { type: string; payload?: unknown }): Promise<void> => {
    const ref = await this.resolve(target);
    const handle = await this.rt.workflow(ref.workflowName).get(ref.instanceId);
    await handle.sendEvent(event);
    await this.settle();
  };

  steps = async (target: InstanceTarget): Promise<StepHistoryEntry[]> => stepHistory(await this.load(await this.resolve(target)), this.clock.now());

  mockStepResult = (step: StepSelector, value: unknown): void => {
    this.overrides.add({ kind: 'result', selector: checkSelector(step, 'mockStepResult step'), value });
  };

  mockStepError = (step: StepSelector, error: unknown, times?: number): void => {
    this.overrides.add({ kind: 'error', selector: checkSelector(step, 'mockStepError step'), error, times: checkTimes(times, 'mockStepError times') });
  };

  forceStepTimeout = (step: StepSelector, times?: number): void => {
    this.overrides.add({ kind: 'timeout', selector: checkSelector(step, 'forceStepTimeout step'), times: checkTimes(times, 'forceStepTimeout times') });
  };

  mockEvent = async (event: { type: string; payload?: unknown }, scope: MockEventScope = {}): Promise<void> => {
    if (typeof event !== 'object' || event === null || typeof event.type !== 'string') {
      throw new ValidationError('mockEvent event', '{ type: string, payload?: unknown }', event);
    }
    await this.addMockEvent(event, inScope({ ...scope }));
  };

  private async addMockEvent(event: { type: string; payload?: unknown }, accept: (ref: InstanceRef) => boolean): Promise<MockedEvent> {
    const mock: MockedEvent = { event: { ...event }, accept, delivered: new Set<string>() };
    this.mockEvents.push(mock);
    for (const ref of Array.from(this.tracked.created)) await this.deliver(mock, ref);
    await this.settle();
    return mock;
  }

  forceEventTimeout = (step: StepSelector): void => {
    this.driver.rules.eventTimeouts.push(checkSelector(step, 'forceEventTimeout step'));
  };

  disableSleeps = (steps?: StepSelector[]): void => {
    this.driver.rules.sleeps = addTo(this.driver.rules.sleeps, selectorList(steps, 'disableSleeps steps'));
  };

  disableRetryDelays = (steps?: StepSelector[]): void => {
    this.driver.rules.retryDelays = addTo(this.driver.rules.retryDelays, selectorList(steps, 'disableRetryDelays steps'));
  };

  resetMocks = (): void => {
    this.overrides.reset();
    this.driver.resetRules();
    this.driver.scopedRules.clear();
    this.mockEvents.splice(0);
  };

  close = async (): Promise<void> => {
    let closed = false;
    const closing = this.runtime.close().then(() => {
      closed = true;
    });
    // A replay waiting in process on a virtual timer ends only when the timer fires: keep time moving.
    for (let jumps = 0; jumps <= MAX_JUMPS && !closed; jumps++) {
      await this.settle();
      const next = this.clock.nextTimerAt();
      if (closed || next === null) break;
      await this.clock.advanceTo(next);
    }
    await closing;
  };

  private async resolve(target: InstanceTarget): Promise<InstanceRef> {
    if (typeof target === 'object' && target !== null && 'workflowName' in target) return { workflowName: target.workflowName, instanceId: target.instanceId };
    const id = typeof target === 'string' ? target : target?.id;
    if (typeof id !== 'string') throw new ValidationError('instance', 'a WorkflowInstance, an instance id or { workflowName, instanceId }', target);
    let names = [...new Set(this.tracked.created.filter((ref) => ref.instanceId === id).map((ref) => ref.workflowName))];
    if (names.length === 0) {
      const found = await Promise.all(
        this.runtime.workflowNames.map(async (workflowName) => ((await this.store.getInstance({ workflowName, instanceId: id })) ? workflowName : null)),
      );
      names = found.filter((name): name is string => name !== null);
    }
    if (names.length === 1) return { workflowName: names[0]!, instanceId: id };
    if (names.length === 0) throw new InstanceNotFoundError(this.runtime.workflowNames.join('|') || '(none)', id);
    throw new ValidationError(`instance "${id}"`, `{ workflowName, instanceId }: the id exists in ${names.join(', ')}`, id);
  }

  private async load(ref: InstanceRef): Promise<Journal> {
    const journal = await this.store.loadJournal(ref);
    if (!journal) throw new InstanceNotFoundError(ref.workflowName, ref.instanceId);
    return journal;
  }

  private async deliver(mock: MockedEvent, ref: InstanceRef): Promise<void> {
    if (mock.delivered.has(refKey(ref)) || !mock.accept(ref)) return;
    mock.delivered.add(refKey(ref));
    const instance = await this.store.getInstance(ref);
    if (!instance || FINISHED_STATUSES.has(instance.status)) return;
    const handle = await this.rt.workflow(ref.workflowName).get(ref.instanceId);
    await handle.sendEvent(mock.event);
  }
}
