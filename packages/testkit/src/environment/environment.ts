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
  type Journal,
  type WorkflowStore,
} from '@cairn/core';
import { stepHistory } from './history.js';
import { createStepOverrides, type TrackedAttempt } from './overrides.js';
import { checkSelector, checkTimes, type StepSelector } from './selectors.js';
import { createTimeRules, describeWaits, skippableWakeTimes } from './time-rules.js';
import { trackStore } from './tracked-store.js';
import type { InstanceTarget, MockEventScope, TestEnvironment, TestEnvironmentOptions } from './types.js';
import { createVirtualClock } from './virtual-clock.js';

export type { InstanceTarget, MockEventScope, TestEnvironment, TestEnvironmentOptions } from './types.js';

const OptionsSchema = z.object({
  workflows: z.record(z.string().min(1), z.unknown()),
  env: z.record(z.string(), z.unknown()).optional(),
  store: z.custom<WorkflowStore>((value) => typeof value === 'object' && value !== null && typeof (value as WorkflowStore).loadJournal === 'function', 'a WorkflowStore').optional(),
  startTime: z.union([z.number().finite(), z.date()]).optional(),
  timeSkipping: z.boolean().default(false),
  stepGraceMs: z.number().int().min(0).default(2_000),
  runtime: z.record(z.string(), z.unknown()).default({}),
});

const QUIET_TURNS = 3;
const SETTLE_LIMIT_MS = 60_000;
const MAX_JUMPS = 100_000;
const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));
const realDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createTestEnvironment<Env extends object = Record<string, unknown>>(
  options: TestEnvironmentOptions<Env>,
): TestEnvironment<Env> {
  const { timeSkipping, stepGraceMs } = parseOptions(OptionsSchema, options, { adapter: 'testkit', factory: 'createTestEnvironment' });
  const raw = options.store ?? createMemoryStore();
  const tracked = trackStore(raw);
  const clock = createVirtualClock({ start: options.startTime ?? Date.now(), settle: () => settle() });
  const overrides = createStepOverrides();
  let rules = createTimeRules(timeSkipping);
  const mockEvents: Array<{ event: { type: string; payload?: unknown }; scope: MockEventScope; delivered: Set<string> }> = [];

  const runtime = createRuntime<Env>({
    ...(options.runtime ?? {}),
    store: tracked.store,
    workflows: options.workflows,
    ...(options.env ? { env: options.env } : {}),
    clock,
    stepOverride: overrides.hook,
  });


  /** Drops tracked attempts whose outcome is recorded or whose run is over; true if a live real one remains. */
  const attemptsPending = async (): Promise<{ real: boolean; timeSkippable: boolean }> => {
    let real = false;
    let timeSkippable = false;
    for (const attempt of [...overrides.inFlight]) {
      if (await attemptOver(attempt)) {
        overrides.inFlight.delete(attempt);
        continue;
      }
      if (attempt.mode === 'timeout' || Date.now() - attempt.since >= stepGraceMs) timeSkippable = true;
      else real = true;
    }
    return { real, timeSkippable };
  };
  const attemptOver = async (attempt: TrackedAttempt): Promise<boolean> => {
    const journal = await raw.loadJournal(attempt);
    if (!journal) return true;
    const { instance } = journal;
    if (instance.leaseOwner === null || FINISHED_STATUSES.has(instance.status)) return true;
    return journal.steps.some((step) => step.key === attempt.key && step.state !== 'started' && step.attempt >= attempt.attempt);
  };

  /** Waits until no store call, timer or step callback has moved for a few macrotasks. */
  async function settle(): Promise<void> {
    const startedAt = Date.now();
    let last = -1;
    let quiet = 0;
    for (;;) {
      if (Date.now() - startedAt > SETTLE_LIMIT_MS) {
        throw new Error(`[cairn testkit] the runtime did not go quiet within ${SETTLE_LIMIT_MS}ms of wall time`);
      }
      await macrotask();
      const stamp = tracked.activity + clock.activity;
      if (tracked.inFlight > 0 || clock.hasDueTimers() || stamp !== last) {
        last = stamp;
        quiet = 0;
        continue;
      }
      if (++quiet < QUIET_TURNS) continue;
      if ((await attemptsPending()).real) {
        // A step callback is doing real work (I/O, real timers): give it wall time, not virtual time.
        await realDelay(1);
        quiet = 0;
        continue;
      }
      return;
    }
  }

  const liveJournals = async (): Promise<Journal[]> => {
    const seen = new Set<string>();
    const journals: Journal[] = [];
    for (const ref of tracked.created) {
      if (seen.has(refKey(ref))) continue;
      seen.add(refKey(ref));
      const journal = await raw.loadJournal(ref);
      if (journal && !FINISHED_STATUSES.has(journal.instance.status)) journals.push(journal);
    }
    return journals;
  };

  /** The next virtual time the rules allow jumping to, or null when the test must act. */
  const nextSkip = async (): Promise<number | null> => {
    const now = clock.now();
    const next = clock.nextTimerAt();
    if (rules.everything) return next;
    const candidates: number[] = [];
    if (next !== null && (await attemptsPending()).timeSkippable) candidates.push(next);
    for (const journal of await liveJournals()) candidates.push(...skippableWakeTimes(journal, rules, now));
    const future = candidates.filter((time) => time > now);
    return future.length === 0 ? null : Math.min(...future);
  };

  const describeBlocked = async (): Promise<string> => {
    const lines = (await liveJournals()).map((journal) => `  - ${describeWaits(journal, clock.now())}`);
    const next = clock.nextTimerAt();
    return [
      ...lines,
      `  virtual time is ${new Date(clock.now()).toISOString()}; next timer ${next === null ? 'none' : `at ${new Date(next).toISOString()}`}.`,
      '  Send the event (env.sendEvent), move time (env.advance), or allow skipping (disableSleeps, disableRetryDelays,',
      '  forceEventTimeout, or createTestEnvironment({ timeSkipping: true })).',
    ].join('\n');
  };

  /** Settles, checks, and jumps in time as the rules allow until `check` gives a result. */
  const drive = async <T>(what: string, check: () => Promise<T | undefined>): Promise<T> => {
    for (let jumps = 0; jumps <= MAX_JUMPS; jumps++) {
      await settle();
      const result = await check();
      if (result !== undefined) return result;
      const target = await nextSkip();
      if (target === null) throw new Error(`[cairn testkit] ${what}, but nothing can move without the test:\n${await describeBlocked()}`);
      await clock.advanceTo(target);
    }
    throw new Error(`[cairn testkit] ${what}: gave up after ${MAX_JUMPS} time jumps`);
  };

  const resolve = async (target: InstanceTarget): Promise<InstanceRef> => {
    if (typeof target === 'object' && target !== null && 'workflowName' in target) {
      return { workflowName: target.workflowName, instanceId: target.instanceId };
    }
    const id = typeof target === 'string' ? target : target?.id;
    if (typeof id !== 'string') throw new ValidationError('instance', 'a WorkflowInstance, an instance id or { workflowName, instanceId }', target);
    let names = [...new Set(tracked.created.filter((ref) => ref.instanceId === id).map((ref) => ref.workflowName))];
    if (names.length === 0) {
      const found = await Promise.all(runtime.workflowNames.map(async (workflowName) => ((await raw.getInstance({ workflowName, instanceId: id })) ? workflowName : null)));
      names = found.filter((name): name is string => name !== null);
    }
    if (names.length === 1) return { workflowName: names[0]!, instanceId: id };
    if (names.length === 0) throw new InstanceNotFoundError(runtime.workflowNames.join('|') || '(none)', id);
    throw new ValidationError(`instance "${id}"`, `{ workflowName, instanceId }: the id exists in ${names.join(', ')}`, id);
  };

  const load = async (ref: InstanceRef): Promise<Journal> => {
    const journal = await raw.loadJournal(ref);
    if (!journal) throw new InstanceNotFoundError(ref.workflowName, ref.instanceId);
    return journal;
  };

  /** The status as `instance.status()` reports it: one definition in core. */
  const statusOf = (instance: InstanceRecord): InstanceStatus => instanceStatusOf(instance);

  const finishedError = (ref: InstanceRef, instance: InstanceRecord, wanted: string) =>
    new Error(
      `[cairn testkit] ${ref.workflowName}/${ref.instanceId} ended as ${instance.status}` +
        `${instance.error ? ` (${instance.error.name}: ${instance.error.message})` : ''} before ${wanted}`,
    );

  const deliver = async (mock: (typeof mockEvents)[number], ref: InstanceRef) => {
    if (mock.delivered.has(refKey(ref))) return;
    if (mock.scope.workflow !== undefined && mock.scope.workflow !== ref.workflowName) return;
    if (mock.scope.instanceId !== undefined && mock.scope.instanceId !== ref.instanceId) return;
    mock.delivered.add(refKey(ref));
    const instance = await raw.getInstance(ref);
    if (!instance || FINISHED_STATUSES.has(instance.status)) return;
    const handle = await runtime.workflow(ref.workflowName).get(ref.instanceId);
    await handle.sendEvent(mock.event);
  };
  tracked.onCreate = async (ref) => {
    for (const mock of mockEvents) await deliver(mock, ref);
  };

  const selectorList = (steps: StepSelector[] | undefined, input: string): 'all' | StepSelector[] => {
    if (steps === undefined) return 'all';
    if (!Array.isArray(steps)) throw new ValidationError(input, 'an array of { name, count? }', steps);
    return steps.map((step, i) => checkSelector(step, `${input}[${i}]`));
  };
  const addTo = (current: 'all' | StepSelector[], added: 'all' | StepSelector[]) =>
    current === 'all' || added === 'all' ? 'all' : [...current, ...added];

  const env: TestEnvironment<Env> = {
    runtime,
    clock,
    store: raw,
    workflow: (bindingName) => runtime.workflow(bindingName),

    async create(bindingName, createOptions) {
      const instance = await runtime.workflow(bindingName).create(createOptions);
      await settle();
      return instance;
    },

    settle,

    async advance(duration) {
      await clock.advance(parseDuration(duration, 'env.advance duration'));
    },

    async runUntilIdle() {
      for (let jumps = 0; jumps <= MAX_JUMPS; jumps++) {
        await settle();
        const target = await nextSkip();
        if (target === null) return;
        await clock.advanceTo(target);
      }
    },

    async waitForStatus(target, status) {
      const wanted = Array.isArray(status) ? status : [status];
      const ref = await resolve(target);
      return drive(`${ref.workflowName}/${ref.instanceId} has not reached ${wanted.join(' or ')}`, async () => {
        const { instance } = await load(ref);
        if (wanted.includes(instance.status)) return statusOf(instance);
        if (FINISHED_STATUSES.has(instance.status)) throw finishedError(ref, instance, `reaching ${wanted.join(' or ')}`);
        return undefined;
      });
    },

    runToCompletion(target) {
      return env.waitForStatus(target, ['complete', 'errored', 'terminated']);
    },

    async waitForStepResult(target, step) {
      const selector = checkSelector(step, 'waitForStepResult step');
      const ref = await resolve(target);
      return drive(`step "${selector.name}" of ${ref.workflowName}/${ref.instanceId} has no result yet`, async () => {
        const journal = await load(ref);
        const entry = stepHistory(journal, clock.now()).find(
          (one) => one.name === selector.name && (selector.count === undefined || one.count === selector.count) && (one.state === 'completed' || one.state === 'failed'),
        );
        if (entry) return entry;
        if (FINISHED_STATUSES.has(journal.instance.status)) throw finishedError(ref, journal.instance, `step "${selector.name}" had a result`);
        return undefined;
      });
    },

    async waitForPendingEvent(target, type) {
      const ref = await resolve(target);
      return drive(`${ref.workflowName}/${ref.instanceId} does not wait for an event "${type}"`, async () => {
        const journal = await load(ref);
        const entry = stepHistory(journal, clock.now()).find((one) => one.state === 'waiting' && one.eventType === type);
        if (entry) return entry;
        if (FINISHED_STATUSES.has(journal.instance.status)) throw finishedError(ref, journal.instance, `waiting for an event "${type}"`);
        return undefined;
      });
    },

    async sendEvent(target, event) {
      const ref = await resolve(target);
      const handle = await runtime.workflow(ref.workflowName).get(ref.instanceId);
      await handle.sendEvent(event);
      await settle();
    },

    async steps(target) {
      return stepHistory(await load(await resolve(target)), clock.now());
    },

    mockStepResult(step, value) {
      overrides.add({ kind: 'result', selector: checkSelector(step, 'mockStepResult step'), value });
    },
    mockStepError(step, error, times) {
      overrides.add({ kind: 'error', selector: checkSelector(step, 'mockStepError step'), error, times: checkTimes(times, 'mockStepError times') });
    },
    forceStepTimeout(step, times) {
      overrides.add({ kind: 'timeout', selector: checkSelector(step, 'forceStepTimeout step'), times: checkTimes(times, 'forceStepTimeout times') });
    },

    async mockEvent(event, scope = {}) {
      if (typeof event !== 'object' || event === null || typeof event.type !== 'string') {
        throw new ValidationError('mockEvent event', '{ type: string, payload?: unknown }', event);
      }
      const mock = { event: { ...event }, scope: { ...scope }, delivered: new Set<string>() };
      mockEvents.push(mock);
      for (const ref of [...tracked.created]) await deliver(mock, ref);
      await settle();
    },

    forceEventTimeout(step) {
      rules.eventTimeouts.push(checkSelector(step, 'forceEventTimeout step'));
    },
    disableSleeps(steps) {
      rules.sleeps = addTo(rules.sleeps, selectorList(steps, 'disableSleeps steps'));
    },
    disableRetryDelays(steps) {
      rules.retryDelays = addTo(rules.retryDelays, selectorList(steps, 'disableRetryDelays steps'));
    },
    resetMocks() {
      overrides.reset();
      rules = createTimeRules(timeSkipping);
      mockEvents.splice(0);
    },

    async close() {
      let closed = false;
      const closing = runtime.close().then(() => {
        closed = true;
      });
      // A replay waiting in process on a virtual timer ends only when the timer fires: keep time moving.
      for (let jumps = 0; jumps <= MAX_JUMPS && !closed; jumps++) {
        await settle();
        const next = clock.nextTimerAt();
        if (closed || next === null) break;
        await clock.advanceTo(next);
      }
      await closing;
    },
  };
  return env;
}
