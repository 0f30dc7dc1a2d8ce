// createRuntime: binds workflow classes to a store and a scheduler, and exposes Cloudflare's bindings
// (`runtime.workflow('ORDER')`, also in the `env` workflows see) and the host seam (`runtime.replay`).

import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { systemClock, type Clock } from './clock.js';
import { parseDuration } from './duration.js';
import { UnknownWorkflowError, ValidationError } from './errors.js';
import type { WorkflowClass } from './entrypoint.js';
import { createBinding, type Workflow } from './binding.js';
import { DEFAULT_STEP_LIMIT } from './limits.js';
import { replayInstance, type LiveSessions, type ReplayOptions } from './engine/replay.js';
import type { ReplaySession } from './engine/session.js';
import type { EngineSettings, ReplayReport, StepOverrideHook } from './engine/settings.js';
import { heartbeatEveryMs } from './shared/intervals.js';
import { createHeartbeat } from './engine/heartbeat.js';
import type { RuntimeInternals } from './runtime-internals.js';
import type { Scheduler, WakeRequest } from './scheduler.js';
import type { InstanceRef, WorkflowStore } from './store.js';
import { createTimerScheduler } from './timer-scheduler.js';
import { parseCron, type CronSchedule } from './cron.js';
import { createCronTriggers, cronScheduleOf } from './cron-triggers.js';
import { SLOT_WORKFLOW } from './engine/concurrency-slots.js';

export type WorkflowRegistration =
  | WorkflowClass
  | {
      workflow: WorkflowClass;
      /** Validates `create()` params. */
      params?: z.ZodType;
      /** Cron expressions (UTC), as wrangler's `schedules`: each fire time creates an instance with params `{}`. */
      schedules?: string[];
      /** As wrangler's `concurrency`: at most `limit` instances run at once (across runners); the rest wait queued. */
      concurrency?: { limit: number };
    };

export interface RuntimeOptions<Env extends object = Record<string, unknown>> {
  store: WorkflowStore;
  /** Wakes sleeping instances. @default in-process timers (`createTimerScheduler`) */
  scheduler?: Scheduler;
  /** Binding name -> workflow class (as wrangler's `workflows` config), optionally with a zod params schema. */
  workflows: Record<string, WorkflowRegistration>;
  /** What workflows see as `this.env`, besides the bindings. */
  env?: Env;
  /** @default the system clock */
  clock?: Clock;
  /** Names this runner in leases. @default host:pid:random */
  owner?: string;
  /** Lease length; a runner that dies holds an instance at most this long. @default 30_000 */
  leaseMs?: number;
  /** Sleeps and retry delays up to this long wait in process; longer ones suspend the instance. @default 1_000 */
  maxInProcessWaitMs?: number;
  /** Steps per instance. @default 10_000 */
  stepLimit?: number;
  /** How long finished instances are kept (sets `expiresAt`); null keeps them. @default null */
  retention?: string | number | null;
  /** Test hook: replace step attempts (used by @cairn/testkit's `mockStepResult`, `forceStepTimeout`...). */
  stepOverride?: StepOverrideHook;
  /**
   * Fire cron schedules from an in-process timer while the runtime is open. Hosts that sleep between requests
   * (Lambda, Cloud Run) also fire them on every sweeper tick, catching up on what they missed. @default true
   */
  cronTimers?: boolean;
  /** Failures no caller can see (a wake-up delivered in process that failed). @default console.error */
  onError?: (error: unknown, context: { workflowName: string; instanceId: string; operation: string }) => void;
}

export interface Runtime<Env extends object = Record<string, unknown>> {
  workflow<Params = unknown>(bindingName: string): Workflow<Params>;
  /** The env workflows see: `options.env` plus one binding per workflow. */
  readonly env: Env & Record<string, Workflow<any>>;
  readonly store: WorkflowStore;
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly workflowNames: readonly string[];
  /** The host seam: replays one instance until it completes, fails, blocks or reaches `deadline`. */
  replay(ref: InstanceRef, options?: ReplayOptions): Promise<ReplayReport>;
  /**
   * Replays every instance whose wake-up is due (a sweeper tick, or recovery at start). Returns how many.
   * With a `deadline` (a request-scoped host) each replay stops there and nothing is retried in process.
   */
  sweep(options?: { limit?: number; deadline?: number }): Promise<number>;
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

const FunctionSchema = z.custom<(...args: unknown[]) => unknown>((value) => typeof value === 'function');
const OptionsSchema = z.object({
  store: z.custom<WorkflowStore>((value) => typeof value === 'object' && value !== null && typeof (value as WorkflowStore).loadJournal === 'function', 'a WorkflowStore'),
  scheduler: z.custom<Scheduler>((value) => typeof value === 'object' && value !== null && typeof (value as Scheduler).schedule === 'function', 'a Scheduler').optional(),
  workflows: z.record(
    z.string().min(1),
    z.union([
      FunctionSchema,
      z
        .object({
          workflow: FunctionSchema,
          params: z.any().optional(),
          schedules: z.array(z.string()).optional(),
          concurrency: z.object({ limit: z.number().int().min(1) }).strict().optional(),
        })
        .strict(),
    ]),
  ),
  env: z.record(z.string(), z.unknown()).optional(),
  clock: z.object({ now: FunctionSchema, setTimer: FunctionSchema }).optional(),
  owner: z.string().min(1).optional(),
  leaseMs: z.number().int().min(100).optional(),
  maxInProcessWaitMs: z.number().min(0).optional(),
  stepLimit: z.number().int().min(1).optional(),
  retention: z.union([z.string(), z.number(), z.null()]).optional(),
  onError: FunctionSchema.optional(),
  stepOverride: FunctionSchema.optional(),
  cronTimers: z.boolean().optional(),
});

export function createRuntime<Env extends object = Record<string, unknown>>(options: RuntimeOptions<Env>): Runtime<Env> {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ValidationError('createRuntime options', z.prettifyError(parsed.error).replace(/\n/g, '; '), undefined, { cause: parsed.error });
  }
  const clock = options.clock ?? systemClock;
  const scheduler = options.scheduler ?? createTimerScheduler({ clock });
  const retention = options.retention ?? null;
  const onError =
    options.onError ??
    ((error: unknown, context: { operation: string; workflowName: string; instanceId: string }) =>
      console.error(`[cairn] ${context.operation} of ${context.workflowName}/${context.instanceId} failed:`, error));
  const leaseMs = options.leaseMs ?? 30_000;
  const settings: EngineSettings = {
    store: options.store,
    scheduler,
    clock,
    owner: options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    leaseMs,
    maxInProcessWaitMs: options.maxInProcessWaitMs ?? 1_000,
    stepLimit: options.stepLimit ?? DEFAULT_STEP_LIMIT,
    retentionMs: retention === null ? null : parseDuration(retention, 'retention'),
    stepOverride: options.stepOverride,
    // One timer renews every lease; it ticks twice per renewal period so that each replay renews on time.
    heartbeat: createHeartbeat(clock, Math.max(15, Math.floor(heartbeatEveryMs(leaseMs) / 2))),
  };

  const classes = new Map<string, WorkflowClass>();
  const schemas = new Map<string, z.ZodType | undefined>();
  const cronSchedules = new Map<string, CronSchedule[]>();
  const limits = new Map<string, number>();
  for (const [name, registration] of Object.entries(options.workflows)) {
    if (name === SLOT_WORKFLOW) throw new ValidationError('createRuntime workflows', `a binding name other than "${SLOT_WORKFLOW}" (reserved)`, name);
    if (typeof registration === 'function') classes.set(name, registration);
    else {
      classes.set(name, registration.workflow);
      schemas.set(name, registration.params);
      if (registration.schedules?.length) cronSchedules.set(name, registration.schedules.map((expression) => parseCron(expression)));
      if (registration.concurrency) limits.set(name, registration.concurrency.limit);
    }
  }
  if (limits.size > 0) {
    settings.concurrencyOf = (workflowName) => limits.get(workflowName);
    // Instances this runtime turned away for want of a slot run here as soon as one of its own replays frees one.
    settings.onSlotFreed = (workflowName) => {
      const waiting = deferred.get(workflowName);
      const next = waiting?.values().next().value;
      if (!next || closed) return;
      waiting!.delete(next.instanceId);
      void deliver({ ...next, wakeAt: clock.now(), wakeSeq: -1 });
    };
  }
  /** Instances of limited workflows that this runtime turned away for want of a slot, by workflow, oldest first. */
  const deferred = new Map<string, Map<string, InstanceRef>>();
  const noteDeferral = (ref: InstanceRef, report: ReplayReport): ReplayReport => {
    let waiting = deferred.get(ref.workflowName);
    if (report.reason === 'concurrency') {
      if (!waiting) deferred.set(ref.workflowName, (waiting = new Map()));
      waiting.set(ref.instanceId, { workflowName: ref.workflowName, instanceId: ref.instanceId });
    } else waiting?.delete(ref.instanceId);
    return report;
  };
  // Only runtimes with schedules pay for the lookup on each replay.
  if (cronSchedules.size > 0) settings.cronScheduleOf = (ref) => cronScheduleOf(cronSchedules.get(ref.workflowName), ref.instanceId);
  const resolveWorkflow = (name: string): WorkflowClass => {
    const found = classes.get(name);
    if (!found) throw new UnknownWorkflowError(name, [...classes.keys()]);
    return found;
  };

  const sessions = new Map<string, ReplaySession>();
  const inFlight = new Map<string, Promise<ReplayReport>>();
  const keyOf = (ref: InstanceRef) => `${ref.workflowName}\u0000${ref.instanceId}`;
  const timers = new Set<() => void>();
  let closed = false;

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
      const session = sessions.get(keyOf(ref));
      if (!session) return;
      if (change === 'terminate') void session.onLeaseLost();
      else session.notify(change);
    },
  };

  const bindings: Record<string, Workflow<any>> = {};
  for (const name of classes.keys()) bindings[name] = createBinding(internals, name, schemas.get(name));
  const env = Object.freeze({ ...(options.env ?? {}), ...bindings }) as Env & Record<string, Workflow<any>>;

  const live: LiveSessions = {
    add: (session) => sessions.set(keyOf(session.ref), session),
    delete: (session) => {
      const key = keyOf(session.ref);
      if (sessions.get(key) === session) sessions.delete(key);
    },
  };

  const replay = (ref: InstanceRef, replayOptions: ReplayOptions = {}): Promise<ReplayReport> => {
    const key = keyOf(ref);
    let run = replayInstance(settings, ref, resolveWorkflow, env, replayOptions, live);
    if (limits.has(ref.workflowName)) run = run.then((report) => noteDeferral(ref, report));
    const tracked = run.finally(() => {
      if (inFlight.get(key) === tracked) inFlight.delete(key);
    });
    inFlight.set(key, tracked);
    return tracked;
  };

  const later = (ms: number, action: () => void) => {
    if (closed) return;
    const cancel = clock.setTimer(() => {
      timers.delete(cancel);
      action();
    }, ms);
    timers.add(cancel);
  };

  /** In-process delivery: replay; if another runner holds it, or the store failed, try again later. */
  const deliver = async (wake: WakeRequest, failures = 0): Promise<void> => {
    if (closed) return;
    const running = inFlight.get(keyOf(wake));
    if (running) await running.catch(() => undefined);
    try {
      const report = await replay(wake);
      if (report.outcome === 'busy' && report.wakeAt !== null) {
        later(report.wakeAt - clock.now(), () => void deliver(wake));
      }
    } catch (error) {
      onError(error, { ...wake, operation: 'replay' });
      later(Math.min(60_000, 250 * 2 ** failures), () => void deliver(wake, failures + 1));
    }
  };
  scheduler.attach?.((wake) => deliver(wake));

  const cron = createCronTriggers(
    [...cronSchedules].map(([workflowName, schedules]) => ({
      workflowName,
      schedules,
      create: (instanceId: string) => bindings[workflowName]!.create({ id: instanceId, params: {} }),
    })),
    clock,
    onError,
  );
  if (cronSchedules.size > 0 && options.cronTimers !== false) cron.start();
  const fireSchedules = ({ lookbackMs }: { lookbackMs?: number } = {}) =>
    cronSchedules.size === 0 ? Promise.resolve(0) : cron.fire(clock.now(), lookbackMs);

  return {
    workflow<Params>(bindingName: string) {
      const binding = bindings[bindingName];
      if (!binding) throw new UnknownWorkflowError(bindingName, [...classes.keys()]);
      return binding as Workflow<Params>;
    },
    env,
    store: options.store,
    scheduler,
    clock,
    workflowNames: [...classes.keys()],
    replay,
    fireSchedules,
    async sweep({ limit = 100, deadline } = {}) {
      await fireSchedules();
      const due = await options.store.listDueInstances({ now: clock.now(), limit });
      if (deadline === undefined) {
        await Promise.all(due.map((ref) => deliver({ ...ref, wakeSeq: -1 })));
      } else {
        const refs = due.map(({ workflowName, instanceId }) => ({ workflowName, instanceId }));
        await Promise.all(
          refs.map((ref) =>
            replay(ref, { deadline }).catch((error: unknown) => onError(error, { ...ref, operation: 'sweep' })),
          ),
        );
      }
      return due.length;
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight.values()]);
    },
    async close() {
      closed = true;
      cron.stop();
      for (const cancel of timers) cancel();
      timers.clear();
      await scheduler.close?.();
      while (inFlight.size > 0) await Promise.allSettled([...inFlight.values()]);
    },
  };
}
