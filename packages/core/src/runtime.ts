// createRuntime: binds workflow classes to a store and a scheduler, and exposes Cloudflare's bindings
// (`runtime.workflow('ORDER')`, also in the `env` workflows see) and the host seam (`replay`, `wake`, `sweep`).

import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from './clock.js';
import { parseDuration } from './duration.js';
import { UnknownWorkflowError } from './errors.js';
import { createBinding, type Workflow } from './binding.js';
import { DEFAULT_STEP_LIMIT } from './limits.js';
import { replayInstance, type LiveSessions, type ReplayOptions } from './engine/replay.js';
import type { ReplaySession } from './engine/session.js';
import type { EngineSettings, ReplayReport } from './engine/settings.js';
import { createHeartbeat } from './engine/heartbeat.js';
import type { RuntimeInternals } from './runtime-internals.js';
import type { Scheduler } from './scheduler.js';
import type { InstanceRef, WorkflowStore } from './store.js';
import { createTimerScheduler } from './timer-scheduler.js';
import { createCronTriggers, cronScheduleOf } from './cron-triggers.js';
import { readRegistrations } from './registrations.js';
import { RuntimeOptionsSchema, type RuntimeOptions } from './runtime-options.js';
import { parseOptions } from './shared/options.js';
import { refKey } from './shared/refs.js';
import { CRON_LOOKBACK_MS, DEFAULT_LEASE_MS, DEFAULT_MAX_IN_PROCESS_WAIT_MS, heartbeatEveryMs } from './shared/intervals.js';
import { createDispatcher } from './host/dispatcher.js';
import { handleWake, type WakeBudget, type WakeResult } from './host/wake.js';
import { sweepDue, type SweepOptions, type SweepReport } from './host/sweep.js';
import type { WakeMessage } from './http/messages.js';

export type { RuntimeOptions } from './runtime-options.js';
export type { WorkflowRegistration } from './registrations.js';

export interface Runtime<Env extends object = Record<string, unknown>> {
  workflow<Params = unknown>(bindingName: string): Workflow<Params>;
  /** The env workflows see: `options.env` plus one binding per workflow. */
  readonly env: Env & Record<string, Workflow<any>>;
  readonly store: WorkflowStore;
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly workflowNames: readonly string[];
  /** Replays one instance until it completes, fails, blocks or reaches `deadline`. */
  replay(ref: InstanceRef, options?: ReplayOptions): Promise<ReplayReport>;
  /**
   * The host entry for a wake message: decides stale and early deliveries, then replays within the budget
   * (deadline on this runtime's clock). Hosts translate their event to this call and its result back.
   */
  wake(message: WakeMessage, budget: WakeBudget): Promise<WakeResult>;
  /**
   * Replays every instance whose wake-up is due (a sweeper tick, or recovery at start). Returns how many.
   * With a `deadline` (a request-scoped host) each replay stops there and nothing is retried in process.
   */
  sweep(options?: { limit?: number; deadline?: number }): Promise<number>;
  /** The sweep with its full report: replay here (optionally within a deadline) or fan out to the scheduler. */
  sweepDue(options?: Omit<SweepOptions, 'deliver'>): Promise<SweepReport>;
  /**
   * Creates the instances of cron schedules due in the last `lookbackMs` (default 10 minutes) that do not
   * exist yet; returns how many it created. Hosts call it on their sweeper tick; `sweep()` calls it too.
   */
  fireSchedules(options?: { lookbackMs?: number }): Promise<number>;
  /** Resolves when no replay is in progress in this process. */
  idle(): Promise<void>;
  /** Stops in-process timers and waits for replays in progress. */
  close(): Promise<void>;
}

export function createRuntime<Env extends object = Record<string, unknown>>(options: RuntimeOptions<Env>): Runtime<Env> {
  parseOptions(RuntimeOptionsSchema, options, { adapter: 'core', factory: 'createRuntime' });
  const clock = options.clock ?? systemClock;
  const scheduler = options.scheduler ?? createTimerScheduler({ clock });
  const retention = options.retention ?? null;
  const onError =
    options.onError ??
    ((error: unknown, context: { operation: string; workflowName: string; instanceId: string }) =>
      console.error(`[cairn] ${context.operation} of ${context.workflowName}/${context.instanceId} failed:`, error));
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const registrations = readRegistrations(options.workflows);
  const settings: EngineSettings = {
    store: options.store,
    scheduler,
    clock,
    owner: options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    leaseMs,
    maxInProcessWaitMs: options.maxInProcessWaitMs ?? DEFAULT_MAX_IN_PROCESS_WAIT_MS,
    stepLimit: options.stepLimit ?? DEFAULT_STEP_LIMIT,
    retentionMs: retention === null ? null : parseDuration(retention, 'retention'),
    stepOverride: options.stepOverride,
    // One timer renews every lease; it ticks twice per renewal period so that each replay renews on time.
    heartbeat: createHeartbeat(clock, Math.max(15, Math.floor(heartbeatEveryMs(leaseMs) / 2))),
  };

  const sessions = new Map<string, ReplaySession>();
  const inFlight = new Map<string, Promise<ReplayReport>>();
  let closed = false;
  const deferred = trackDeferrals(registrations.limits);
  if (registrations.limits.size > 0) {
    settings.concurrencyOf = (workflowName) => registrations.limits.get(workflowName);
    // Instances this runtime turned away for want of a slot run here as soon as one of its own replays frees one.
    settings.onSlotFreed = (workflowName) => {
      const next = deferred.takeNext(workflowName);
      if (next && !closed) void dispatcher.deliver(next);
    };
  }
  // Only runtimes with schedules pay for the lookup on each replay.
  if (registrations.schedules.size > 0) settings.cronScheduleOf = (ref) => cronScheduleOf(registrations.schedules.get(ref.workflowName), ref.instanceId);

  const internals: RuntimeInternals = {
    store: options.store,
    clock,
    owner: settings.owner,
    leaseMs: settings.leaseMs,
    retentionMs: settings.retentionMs,
    async schedule(wake) {
      try {
        await scheduler.schedule(wake);
      } catch (error) {
        onError(error, { ...wake, operation: 'schedule' });
      }
    },
    notify(ref, change) {
      const session = sessions.get(refKey(ref));
      if (!session) return;
      if (change === 'terminate') void session.onLeaseLost();
      else session.notify(change);
    },
  };

  const bindings = new Map<string, Workflow<any>>();
  for (const name of registrations.names) bindings.set(name, createBinding(internals, name, registrations.schemaOf(name)));
  const env = Object.freeze({ ...(options.env ?? {}), ...Object.fromEntries(bindings) }) as Env & Record<string, Workflow<any>>;

  const live: LiveSessions = {
    add: (session) => sessions.set(refKey(session.ref), session),
    delete: (session) => {
      const key = refKey(session.ref);
      if (sessions.get(key) === session) sessions.delete(key);
    },
  };

  const replay = (ref: InstanceRef, replayOptions: ReplayOptions = {}): Promise<ReplayReport> => {
    const key = refKey(ref);
    let run = replayInstance(settings, ref, (name) => registrations.classOf(name), env, replayOptions, live);
    if (registrations.limits.has(ref.workflowName)) run = run.then((report) => deferred.note(ref, report));
    const tracked = run.finally(() => {
      if (inFlight.get(key) === tracked) inFlight.delete(key);
    });
    inFlight.set(key, tracked);
    return tracked;
  };

  // In-process delivery (the scheduler's wake-ups, the sweep without a deadline): retried on failure.
  const dispatcher = createDispatcher({
    replay,
    clock,
    onError: (error, ref) => onError(error, { ...ref, operation: 'replay' }),
  });
  scheduler.attach?.((wake) => dispatcher.deliver(wake));

  const cron = createCronTriggers(
    [...registrations.schedules].map(([workflowName, schedules]) => ({
      workflowName,
      schedules,
      create: (instanceId: string) => bindings.get(workflowName)!.create({ id: instanceId, params: {} }),
    })),
    clock,
    onError,
  );
  if (registrations.schedules.size > 0 && options.cronTimers !== false) cron.start();
  const fireSchedules = ({ lookbackMs = CRON_LOOKBACK_MS }: { lookbackMs?: number } = {}) =>
    registrations.schedules.size === 0 ? Promise.resolve(0) : cron.fire(clock.now(), lookbackMs);

  const runtime: Runtime<Env> = {
    workflow<Params>(bindingName: string) {
      const binding = bindings.get(bindingName);
      if (!binding) throw new UnknownWorkflowError(bindingName, registrations.names);
      return binding as Workflow<Params>;
    },
    env,
    store: options.store,
    scheduler,
    clock,
    workflowNames: registrations.names,
    replay,
    wake: (message, budget) => handleWake(runtime, message, budget),
    sweepDue: (sweepOptions = {}) => sweepDue(runtime, sweepOptions),
    async sweep({ limit, deadline } = {}) {
      const report = await sweepDue(runtime, { limit, deadline, deliver: (ref) => dispatcher.deliver(ref) });
      for (const { ref, error } of report.errors) onError(error, { ...ref, operation: 'sweep' });
      return report.due;
    },
    fireSchedules,
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight.values()]);
    },
    async close() {
      closed = true;
      cron.stop();
      dispatcher.close();
      await scheduler.close?.();
      while (inFlight.size > 0) await Promise.allSettled([...inFlight.values()]);
    },
  };
  return runtime;
}

/** Instances of limited workflows this runtime turned away for want of a slot, by workflow, oldest first. */
function trackDeferrals(limits: ReadonlyMap<string, number>) {
  const waiting = new Map<string, Map<string, InstanceRef>>();
  return {
    note(ref: InstanceRef, report: ReplayReport): ReplayReport {
      if (!limits.has(ref.workflowName)) return report;
      let list = waiting.get(ref.workflowName);
      if (report.reason === 'concurrency') {
        if (!list) waiting.set(ref.workflowName, (list = new Map()));
        list.set(ref.instanceId, { workflowName: ref.workflowName, instanceId: ref.instanceId });
      } else list?.delete(ref.instanceId);
      return report;
    },
    takeNext(workflowName: string): InstanceRef | undefined {
      const list = waiting.get(workflowName);
      const next = list?.values().next().value;
      if (next) list!.delete(next.instanceId);
      return next;
    },
  };
}
