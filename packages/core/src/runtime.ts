// createRuntime: binds workflow classes to a store and a scheduler, and exposes Cloudflare's bindings
// (`runtime.workflow('ORDER')`, also in the `env` workflows see) and the host seam (`replay`, `wake`, `sweep`).

import { systemClock, type Clock } from './clock.js';
import { UnknownWorkflowError, ValidationError, WorkflowVersionUnavailableError } from './errors.js';
import type { InstanceRecord } from './records.js';
import { deserialize } from './serialize.js';
import { createBinding, type BindingCode, type Workflow } from './binding.js';
import type { ReplayOptions } from './engine/replay.js';
import type { EngineSettings, ReplayReport } from './engine/settings.js';
import type { RuntimeInternals } from './runtime-internals.js';
import type { InstanceChange, Scheduler } from './scheduler.js';
import type { InstanceRef, WorkflowStore } from './store.js';
import { createTimerScheduler } from './timer-scheduler.js';
import { createCronTriggers, cronScheduleOf } from './cron-triggers.js';
import { readRegistrations, type RegisteredWorkflow, type Registrations } from './registrations.js';
import { RuntimeOptionsSchema, type RuntimeOptions } from './runtime-options.js';
import { RuntimeReplays } from './runtime-replays.js';
import { runtimeSettings, type RuntimeErrorHandler } from './runtime-settings.js';
import type { RuntimeTelemetry } from './telemetry/index.js';
import { parseOptions } from './shared/options.js';
import { CRON_LOOKBACK_MS } from './shared/intervals.js';
import { DEFAULT_MAX_BUFFERED_EVENTS } from './limits.js';
import { createDispatcher } from './host/dispatcher.js';
import { handleWake, type WakeBudget, type WakeResult } from './host/wake.js';
import { sweepDue, type SweepOptions, type SweepReport } from './host/sweep.js';
import type { WakeMessage } from './http/messages.js';
import type { RuntimeBindings, WorkflowBindingName, WorkflowBindingNamed, WorkflowRegistrations } from './typed-bindings.js';

export type { RuntimeOptions } from './runtime-options.js';
export type { RegisteredWorkflow, WorkflowRegistration } from './registrations.js';

/**
 * `W` is the type of the `workflows` map, inferred by createRuntime: bindings are typed from it. Code that does not
 * know the map (a host, the CLI) uses `Runtime` (any name, untyped bindings); a typed runtime is assignable to it.
 */
export interface Runtime<Env extends object = Record<string, unknown>, W extends WorkflowRegistrations = any> {
  /** The binding of one workflow; a name not in the map is a type error (and an UnknownWorkflowError at run time). */
  workflow<N extends WorkflowBindingName<W>>(bindingName: N): WorkflowBindingNamed<W, N>;
  /** The env workflows see: `options.env` plus one binding per workflow. */
  readonly env: Env & RuntimeBindings<W>;
  readonly store: WorkflowStore;
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly workflowNames: readonly string[];
  /** Each bound workflow: its binding, its own name (`workflows[].name`, else the binding) and its class's name. */
  readonly registered: readonly RegisteredWorkflow[];
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
  /**
   * Tells the replay of the instance running in this process, if any, that the instance changed elsewhere (a host
   * subscribed to a fleet scheduler calls it with what other processes announce): it re-reads the instance now.
   */
  changed(ref: InstanceRef, change: InstanceChange): void;
  /** Resolves when no replay is in progress in this process. */
  idle(): Promise<void>;
  /** Stops in-process timers and waits for replays in progress. */
  close(): Promise<void>;
}

export function createRuntime<Env extends object = Record<string, unknown>, const W extends WorkflowRegistrations = any>(
  options: RuntimeOptions<Env, W>,
): Runtime<Env, W> {
  parseOptions(RuntimeOptionsSchema, options, { adapter: 'core', factory: 'createRuntime' });
  const clock = options.clock ?? systemClock;
  const scheduler = options.scheduler ?? createTimerScheduler({ clock });
  const registrations = readRegistrations(options.workflows);
  const { settings, onError, telemetry } = runtimeSettings(options, clock, scheduler);
  const deferred = trackDeferrals(registrations.limits);
  const replays = new RuntimeReplays(
    settings,
    (name, version) => registrations.classOf(name, version),
    () => env,
    registrations.limits.size > 0 ? (ref, report) => deferred.note(ref, report) : undefined,
  );
  let closed = false;
  // In-process delivery (the scheduler's wake-ups, the sweep without a deadline): retried on failure.
  const dispatcher = createDispatcher({
    replay: (ref, replayOptions) => replays.replay(ref, replayOptions),
    clock,
    onError: (error, ref) => onError(error, { ...ref, operation: 'replay' }),
  });
  scheduler.attach?.((wake) => dispatcher.deliver(wake));
  wireRegistrations(settings, registrations, (workflowName) => {
    // Instances this runtime turned away for want of a slot run here as soon as one of its own replays frees one.
    const next = deferred.takeNext(workflowName);
    if (next && !closed) void dispatcher.deliver(next);
  });

  const internals = runtimeInternals(settings, options.maxBufferedEvents, scheduler, onError, replays, telemetry);
  internals.versionFor = (instance, asked) => versionFor(registrations, instance, asked);
  const bindings = new Map<string, Workflow<any, any>>(registrations.names.map((name) => [name, createBinding(internals, name, codeOf(registrations, name))]));
  const env = Object.freeze({ ...options.env, ...Object.fromEntries(bindings) }) as Env & RuntimeBindings<W>;
  const cron = startCron(registrations, bindings, clock, onError, options.cronTimers !== false);

  const runtime: Runtime<Env, W> = {
    workflow<N extends WorkflowBindingName<W>>(bindingName: N) {
      const binding = bindings.get(bindingName);
      if (!binding) throw new UnknownWorkflowError(bindingName, registrations.names);
      return binding as WorkflowBindingNamed<W, N>;
    },
    env,
    store: settings.store,
    scheduler,
    clock,
    workflowNames: registrations.names,
    registered: registrations.registered,
    replay: (ref, replayOptions) => replays.replay(ref, replayOptions),
    wake: (message, budget) => handleWake(runtime, message, budget, telemetry),
    sweepDue: (sweepOptions = {}) => sweepDue(runtime, sweepOptions, telemetry),
    async sweep({ limit, deadline } = {}) {
      const report = await sweepDue(runtime, { limit, deadline, deliver: (ref) => dispatcher.deliver(ref) }, telemetry);
      for (const { ref, error } of report.errors) onError(error, { ...ref, operation: 'sweep' });
      return report.due;
    },
    fireSchedules: ({ lookbackMs = CRON_LOOKBACK_MS } = {}) => (registrations.schedules.size === 0 ? Promise.resolve(0) : cron.fire(clock.now(), lookbackMs)),
    changed: (ref, change) => replays.notify(ref, change),
    idle: () => replays.idle(),
    async close() {
      closed = true;
      cron.stop();
      // Waits held in process would keep close() waiting for them: the instances suspend instead, due as they were.
      replays.dropHolds();
      dispatcher.close();
      await scheduler.close?.();
      await replays.idle();
    },
  };
  return runtime;
}

/** What the bindings and instance handles need of the runtime. */
function runtimeInternals(
  settings: EngineSettings,
  maxBufferedEvents: number | undefined,
  scheduler: Scheduler,
  onError: RuntimeErrorHandler,
  replays: RuntimeReplays,
  telemetry: RuntimeTelemetry | undefined,
): RuntimeInternals {
  const internals: RuntimeInternals = {
    store: settings.store,
    clock: settings.clock,
    owner: settings.owner,
    leaseMs: settings.leaseMs,
    retentionMs: settings.retentionMs,
    maxBufferedEvents: maxBufferedEvents ?? DEFAULT_MAX_BUFFERED_EVENTS,
    async schedule(wake) {
      // A failure is reported, not thrown: the wake time is in the store, and a sweep recovers it.
      await Promise.resolve()
        .then(() => scheduler.schedule(wake))
        .catch((error: unknown) => onError(error, { ...wake, operation: 'schedule' }));
    },
    notify(ref, change) {
      replays.notify(ref, change);
      // A replay holding the instance in another process hears it from the fleet scheduler (best effort: that
      // replay's next write re-reads the instance anyway).
      if (scheduler.announce) {
        void Promise.resolve()
          .then(() => scheduler.announce!(ref, change))
          .catch((error: unknown) => onError(error, { ...ref, operation: 'announce' }));
      }
    },
  };
  if (telemetry) internals.traceCreate = (record, write) => telemetry.create(record, write);
  return internals;
}

/** Concurrency limits, cron schedules and workflow names in the engine settings; only runtimes that have them pay for the lookups. */
function wireRegistrations(settings: EngineSettings, registrations: Registrations, onSlotFreed: (workflowName: string) => void): void {
  if (registrations.limits.size > 0) {
    settings.concurrencyOf = (workflowName) => registrations.limits.get(workflowName);
    settings.onSlotFreed = onSlotFreed;
  }
  if (registrations.displayNames.size > 0) settings.workflowNameOf = (binding) => registrations.displayNames.get(binding);
  if (registrations.schedules.size > 0) settings.cronScheduleOf = (ref) => cronScheduleOf(registrations.schedules.get(ref.workflowName), ref.instanceId);
}

/** The cron triggers of the workflows with schedules; their in-process timer runs unless `timers` is false. */
function startCron(registrations: Registrations, bindings: ReadonlyMap<string, Workflow<any>>, clock: Clock, onError: RuntimeErrorHandler, timers: boolean) {
  const cron = createCronTriggers(
    [...registrations.schedules].map(([workflowName, schedules]) => ({
      workflowName,
      schedules,
      create: (instanceId: string) => bindings.get(workflowName)!.create({ id: instanceId, params: {} }),
    })),
    clock,
    onError,
  );
  if (registrations.schedules.size > 0 && timers) cron.start();
  return cron;
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

/** What a binding needs of a registration: its params schema and the version new instances start on. */
function codeOf(registrations: Registrations, name: string): BindingCode {
  return { paramsSchema: registrations.schemaOf(name), currentVersion: (context) => registrations.currentVersionOf(name, context) };
}

/** The version `restart({ version })` moves an instance to: the current one, or a version the registration has. */
async function versionFor(registrations: Registrations, instance: InstanceRecord, asked: string): Promise<string | undefined> {
  const name = instance.workflowName;
  if (asked === 'current') {
    const metadata = instance.metadata === undefined ? undefined : deserialize<Record<string, unknown>>(instance.metadata);
    return registrations.currentVersionOf(name, { metadata });
  }
  try {
    registrations.classOf(name, asked);
  } catch (error) {
    if (!(error instanceof WorkflowVersionUnavailableError)) throw error;
    const known = error.available.map((version) => `"${version}"`).join(', ') || 'it has none';
    throw new ValidationError('restart version', `'current' or a version of workflow "${name}" (${known})`, asked);
  }
  return asked;
}
