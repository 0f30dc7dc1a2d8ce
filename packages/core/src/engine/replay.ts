// The host seam: replay one instance until it completes, fails, blocks or nears a deadline, and say which.
// Lambda, Cloud Run, the local runner and the in-process scheduler all call this one function.

import { CairnError } from '../errors.js';
import { createLogSink } from '../logging/logger.js';
import { workflowLogger, type WorkflowLogger } from '../logging/workflow-logger.js';
import type { WorkflowClass, WorkflowEvent, WorkflowExecutionContext, WorkflowStep } from '../entrypoint.js';
import { MAX_PAYLOAD_BYTES, serializeWithinLimit } from '../limits.js';
import { FINISHED_STATUSES, type InstanceRecord, type Journal } from '../records.js';
import { deserialize } from '../serialize.js';
import type { InstanceRef } from '../store.js';
import { leaseIsLive } from '../shared/lease.js';
import { wakeOf } from '../shared/wake.js';
import { backoffDelayMs } from '../shared/backoff.js';
import { SLOT_RETRY_MS } from '../shared/intervals.js';
import { runDo } from './ops-do.js';
import { runSleep, runSleepUntil } from './ops-sleep.js';
import { runWait } from './ops-wait.js';
import { FatalSignal } from './fatal-signal.js';
import { ReplaySession } from './session.js';
import { attachDispatchContext } from './dispatch-context.js';
import type { EngineSettings, ReplayReport } from './settings.js';
import { acquireSlot, releaseSlot, type SlotLease } from './concurrency-slots.js';

export interface ReplayOptions {
  /** Stop starting new work at this time (epoch ms) and report `continue`; e.g. a Lambda's end minus a margin. */
  deadline?: number;
  /** Overrides the runtime's `maxInProcessWaitMs` for this replay (a host with time left may wait longer). */
  maxInProcessWaitMs?: number;
  /**
   * Stop starting new work after this much working time and report `continue` (a long-lived host's turn, so
   * that others get theirs); time spent holding waits in process does not count.
   */
  sliceMs?: number;
  /** Told when the replay starts and stops holding waits in process (a host need not count it as busy then). */
  onHold?: (holding: boolean) => void;
}

/** Told of each live session, so that the runtime can signal events and pauses to it. */
export interface LiveSessions {
  add(session: ReplaySession): void;
  delete(session: ReplaySession): void;
}

const MAX_ACQUIRE_TRIES = 8;

export async function replayInstance(
  settings: EngineSettings,
  ref: InstanceRef,
  /** The class running `workflowName` at `version` (the instance's pinned one); throws WorkflowVersionUnavailableError. */
  resolveWorkflow: (workflowName: string, version?: string) => WorkflowClass,
  env: unknown,
  options: ReplayOptions = {},
  live?: LiveSessions,
  /** Told when the replay holds the lease and starts the code, with the instance as loaded (telemetry). */
  onStarted?: (loaded: InstanceRecord) => void,
): Promise<ReplayReport> {
  // An unknown workflow fails before any read; the version is checked once the instance is loaded.
  resolveWorkflow(ref.workflowName);
  const limit = settings.concurrencyOf?.(ref.workflowName);
  let slot: SlotLease | undefined;
  try {
    for (let tries = 0; tries < MAX_ACQUIRE_TRIES; tries++) {
      const journal = await settings.store.loadJournal(ref);
      if (!journal) return { outcome: 'not_found', status: null, wakeAt: null };
      const settled = reportWithoutRunning(settings, journal.instance);
      if (settled) {
        if (settled.outcome === 'suspended') {
          // Woken early (a duplicate delivery, or a scheduler that cannot schedule that far ahead): ask again.
          await settings.scheduler.schedule(wakeOf(journal.instance, settled.wakeAt!));
        }
        return settled;
      }
      const Workflow = await classForVersion(settings, journal.instance, resolveWorkflow);
      if (limit !== undefined && !slot) {
        const now = settings.clock.now();
        slot = (await acquireSlot(settings.store, ref.workflowName, limit, `${settings.owner}|${ref.instanceId}`, now, settings.leaseMs)) ?? undefined;
        if (!slot) return await deferForSlot(settings, journal.instance);
      }
      const acquired = await acquire(settings, journal);
      if (acquired === 'conflict') continue;
      const sessionSettings = options.maxInProcessWaitMs === undefined ? settings : { ...settings, maxInProcessWaitMs: options.maxInProcessWaitMs };
      const session = new ReplaySession(sessionSettings, acquired.journal, options, acquired.inFlight, slot);
      live?.add(session);
      onStarted?.(journal.instance);
      try {
        start(session, Workflow, env);
        return await session.report;
      } finally {
        live?.delete(session);
      }
    }
    const current = await settings.store.getInstance(ref);
    return { outcome: 'busy', status: current?.status ?? null, wakeAt: settings.clock.now() + 100 };
  } finally {
    if (slot) {
      await releaseSlot(settings.store, slot, settings.clock.now()).catch(() => undefined);
      settings.onSlotFreed?.(ref.workflowName);
    }
  }
}

/** How long an instance whose code version is missing here waits before it is due again (for a host that has it). */
export const VERSION_RETRY_MS = 30_000;

/**
 * The class for the instance's pinned version. Without it the instance is left as it is (journal, status and
 * lease untouched) and due again in VERSION_RETRY_MS, so that this host does not spin on it while another host,
 * or a later deploy, that has the version takes it; the typed error goes to the caller.
 */
async function classForVersion(
  settings: EngineSettings,
  instance: InstanceRecord,
  resolveWorkflow: (workflowName: string, version?: string) => WorkflowClass,
): Promise<WorkflowClass> {
  try {
    return resolveWorkflow(instance.workflowName, instance.workflowVersion);
  } catch (error) {
    if (CairnError.is(error, 'workflow_version_unavailable')) await deferMissingVersion(settings, instance);
    throw error;
  }
}

async function deferMissingVersion(settings: EngineSettings, instance: InstanceRecord): Promise<void> {
  if (leaseIsLive(instance, settings.clock.now())) return;
  const wakeAt = settings.clock.now() + VERSION_RETRY_MS;
  if (instance.wakeAt !== null && instance.wakeAt >= wakeAt) return;
  const ref = { workflowName: instance.workflowName, instanceId: instance.instanceId };
  await settings.store.updateInstance({ ...ref, expectedVersion: instance.version, patch: { wakeAt, updatedAt: settings.clock.now() } }).catch(() => undefined);
}

/**
 * Every slot of the workflow is held: the instance does not run now. It is due again in a second or two
 * (jittered, so that many turned-away instances do not retry in step), through the scheduler and the due index.
 */
async function deferForSlot(settings: EngineSettings, instance: InstanceRecord): Promise<ReplayReport> {
  const ref = { workflowName: instance.workflowName, instanceId: instance.instanceId };
  const wakeAt = settings.clock.now() + Math.floor(backoffDelayMs({ baseMs: SLOT_RETRY_MS, kind: 'constant', jitter: 'spread' }, 1));
  try {
    const deferred = await settings.store.updateInstance({
      ...ref,
      expectedVersion: instance.version,
      patch: { wakeAt, wakeSeq: instance.wakeSeq + 1, updatedAt: settings.clock.now() },
    });
    await settings.scheduler.schedule(wakeOf(deferred, wakeAt));
  } catch (error) {
    // Changed meanwhile (an event, a control operation): whoever changed it has made it due.
    if (!CairnError.is(error, 'version_conflict')) throw error;
  }
  return { outcome: 'suspended', status: instance.status, wakeAt, reason: 'concurrency' };
}

/** Finished, paused, or held by a live runner: nothing to run. */
function reportWithoutRunning(settings: EngineSettings, instance: InstanceRecord): ReplayReport | null {
  const { status } = instance;
  if (FINISHED_STATUSES.has(status)) {
    return { outcome: status as 'complete' | 'errored' | 'terminated', status, wakeAt: null };
  }
  if (status === 'paused') return { outcome: 'paused', status, wakeAt: null };
  const now = settings.clock.now();
  if (status === 'waiting' && instance.leaseOwner === null && instance.wakeAt !== null && instance.wakeAt > now) {
    return { outcome: 'suspended', status, wakeAt: instance.wakeAt };
  }
  if (leaseIsLive(instance, now)) {
    return { outcome: 'busy', status, wakeAt: instance.leaseExpiresAt };
  }
  return null;
}

/**
 * Takes the lease. `inFlight`: the runner before this one died holding it while work may have been under way, so
 * the first attempt this replay would start is charged as failed; one that died while it only held a wait in
 * process (its mark reads `waiting`) had nothing in flight.
 */
async function acquire(settings: EngineSettings, journal: Journal): Promise<{ journal: Journal; inFlight: boolean } | 'conflict'> {
  const { instance } = journal;
  const now = settings.clock.now();
  const takeover = instance.leaseOwner !== null;
  const leaseExpiresAt = now + settings.leaseMs;
  try {
    const updated = await settings.store.updateInstance({
      workflowName: instance.workflowName,
      instanceId: instance.instanceId,
      expectedVersion: instance.version,
      patch: {
        status: instance.status === 'waitingForPause' ? 'waitingForPause' : 'running',
        leaseOwner: settings.owner,
        leaseToken: instance.leaseToken + 1,
        leaseExpiresAt,
        // If this runner dies, the due-wake-up index brings the instance back once the lease expires.
        wakeAt: leaseExpiresAt,
        recoveries: instance.recoveries + (takeover ? 1 : 0),
        updatedAt: now,
      },
    });
    return { journal: { ...journal, instance: updated }, inFlight: takeover && instance.status !== 'waiting' };
  } catch (error) {
    if (CairnError.is(error, 'version_conflict')) return 'conflict';
    throw error;
  }
}

function start(session: ReplaySession, Workflow: WorkflowClass, env: unknown): void {
  const { instance } = session;
  const ctx = new ExecutionContext(session);
  const step = createStepApi(session);
  const event: WorkflowEvent<Record<string, unknown>> = {
    payload: deserialize<Record<string, unknown>>(instance.params),
    timestamp: new Date(instance.createdAt),
    instanceId: instance.instanceId,
    workflowName: session.settings.workflowNameOf?.(instance.workflowName) ?? instance.workflowName,
  };
  const schedule = session.settings.cronScheduleOf?.(session.ref);
  if (schedule) event.schedule = schedule;
  if (instance.metadata !== undefined || instance.workflowVersion !== undefined) attachDispatchContext(event, instance);
  let run: Promise<unknown>;
  try {
    const workflow = new Workflow(ctx, env);
    run = Promise.resolve(workflow.run(event, step));
  } catch (error) {
    run = Promise.reject(error);
  }
  run
    .then(
      (value) => {
        // Failing already (a fatal error the code caught and returned from): the rollbacks finish the instance.
        if (!session.active || session.rollingBack) return;
        let output: string;
        // run() returning a function completes with output null, as on Cloudflare.
        if (typeof value === 'function') value = null;
        try {
          output = serializeWithinLimit(value, 'Workflow output', MAX_PAYLOAD_BYTES);
        } catch (error) {
          return session.failTerminally(error);
        }
        return session.finish({ output, value });
      },
      (error: unknown) => {
        if (!session.active || error instanceof FatalSignal) return;
        // A dynamic loader without the pinned version: the instance is set aside for a host that has it.
        if (CairnError.is(error, 'workflow_version_unavailable')) return session.setAside(error, VERSION_RETRY_MS);
        // The runner of the code was lost (an isolated Worker stopped at a limit): replay again at once, afresh.
        if (CairnError.is(error, 'runner_lost')) return session.setAside(null, 0);
        return session.failTerminally(error);
      },
    )
    .catch((error: unknown) => session.fail(error));
}

/** The `ctx` a workflow class is constructed with. A class: an object literal with a getter costs far more. */
class ExecutionContext implements WorkflowExecutionContext {
  readonly instanceId: string;
  readonly workflowName: string;
  private log: WorkflowLogger | undefined;

  constructor(private readonly session: ReplaySession) {
    this.instanceId = session.ref.instanceId;
    this.workflowName = session.ref.workflowName;
  }

  get signal(): AbortSignal {
    return this.session.signal;
  }

  /** `this.logger` of the workflow (see logging/workflow-logger.ts); made on first use. */
  get logger(): WorkflowLogger {
    return (this.log ??= workflowLogger(this.session, this.session.settings.workflowLogSink ?? createLogSink(console, 'debug', '')));
  }

  waitUntil(promise: Promise<unknown>): void {
    promise.catch(() => undefined);
  }
}

function createStepApi(session: ReplaySession): WorkflowStep {
  // Closures, not methods: `const { sleep } = step` keeps working, as it does on Cloudflare.
  return {
    do: (name: string, configOrCallback: unknown, callbackOrOptions?: unknown, options?: unknown) =>
      runDo(session, name, configOrCallback as never, callbackOrOptions as never, options as never),
    sleep: (name, duration) => runSleep(session, name, duration),
    sleepUntil: (name, timestamp) => runSleepUntil(session, name, timestamp),
    waitForEvent: (name, options) => runWait(session, name, options),
  } as WorkflowStep;
}
