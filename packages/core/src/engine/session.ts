// One replay of one instance by one runner: the journal in memory, the branches of `run()` that are
// running or blocked, and the instance writes (heartbeat, suspend, finish) under the runner's lease.
// Step operations (ops-do, ops-sleep, ops-wait) call into it; `replayInstance` creates and starts it.

import type { Clock } from '../clock.js';
import type { WorkflowCronSchedule } from '../cron-triggers.js';
import { FatalSignal } from './fatal-signal.js';
import { NEVER } from './never.js';
import { runRollbacks } from './ops-rollback.js';
import { terminatedError, terminationRequested } from './termination.js';
import { renewSlot, type SlotLease } from './concurrency-slots.js';
import type { RollbackEntry } from './rollback-entry.js';
import type { Heartbeat, HeartbeatMember } from './heartbeat.js';
import { CairnError, LeaseLostError, StepLimitError, VersionConflictError } from '../errors.js';
import { summarizeError } from '../error-codec.js';
import { expiryOf, type EventRecord, type InstanceError, type RollbackSummary, type InstanceRecord, type InstanceStatusName, type Journal, type StepKind, type StepRecord } from '../records.js';
import type { Scheduler } from '../scheduler.js';
import type { InstancePatch, InstanceRef, RecordStepResult, WorkflowStore } from '../store.js';

export type BlockReason = 'sleep' | 'event' | 'retry' | 'deadline' | 'pause' | 'concurrency';

export interface EngineSettings {
  store: WorkflowStore;
  scheduler: Scheduler;
  clock: Clock;
  /** Names this runner in leases; unique per process. */
  owner: string;
  leaseMs: number;
  /** Waits (sleeps, retry delays) at most this long stay in process; longer ones suspend. */
  maxInProcessWaitMs: number;
  stepLimit: number;
  /** Finished instances expire after this long (sets `expiresAt`), or never when null. */
  retentionMs: number | null;
  /** Test hook (see @cairn/testkit): replaces a step attempt's callback with a result, an error or a timeout. */
  stepOverride?: StepOverrideHook;
  /** Renews the leases of every replay of the runtime (see heartbeat.ts). */
  heartbeat: Heartbeat;
  /** The workflow's concurrency limit (`workflows[].concurrency.limit`), if it has one. */
  concurrencyOf?: (workflowName: string) => number | undefined;
  /** Told when this runtime gives a concurrency slot back (so that an instance turned away here can run now). */
  onSlotFreed?: (workflowName: string) => void;
  /** The cron schedule an instance was created by (its `event.schedule`), if any. */
  cronScheduleOf?: (ref: InstanceRef) => WorkflowCronSchedule | undefined;
}

/** Renew a lease every third of its length: two renewals may fail before it expires. */
export function heartbeatEveryMs(leaseMs: number): number {
  return Math.max(30, Math.floor(leaseMs / 3));
}

export interface StepAttemptInfo {
  workflowName: string;
  instanceId: string;
  name: string;
  count: number;
  attempt: number;
}

export type StepOverride = { value: unknown } | { error: unknown } | { timeout: true };
export type StepOverrideHook = (step: StepAttemptInfo) => StepOverride | undefined;

export interface ReplayReport {
  /**
   * complete / errored / terminated / paused: the instance's state now. suspended: blocked until `wakeAt`
   * (already scheduled). continue: the deadline came with work left; replay again at once. busy: another
   * runner holds the lease until `wakeAt`. lease_lost: another runner or a control operation took over.
   * not_found: no such instance.
   */
  outcome: 'complete' | 'errored' | 'terminated' | 'paused' | 'suspended' | 'continue' | 'busy' | 'lease_lost' | 'not_found';
  status: InstanceStatusName | null;
  wakeAt: number | null;
  reason?: BlockReason;
  output?: unknown;
  error?: InstanceError;
}

interface Blocker {
  wakeAt: number | null;
  reason: BlockReason;
  /** Called after new events arrive; returns true if the branch can go on. */
  recheck?: () => boolean;
}

/** Something to be told when its deadline (epoch ms) passes: a step attempt's timeout. */
export interface DeadlineWatch {
  readonly deadline: number;
  onTimeout(): void;
  /** Where the session keeps it (-1: not watched); set by the session only. */
  deadlineSlot: number;
}


/** The abort reason of a replay that ended; made once (a DOMException per abort is costly). */
const REPLAY_ENDED = Object.freeze(Object.assign(new Error('The replay of this instance ended'), { name: 'AbortError' }));

export class ReplaySession implements HeartbeatMember {
  readonly ref: InstanceRef;
  instance: InstanceRecord;
  readonly token: number;
  readonly outcomes = new Map<string, StepRecord>();
  readonly attempts = new Map<string, StepRecord[]>();
  readonly starts = new Map<string, StepRecord>();
  events: EventRecord[];
  readonly consumed = new Set<string>();
  /** Pieces of streamed step results, by step key (see step-stream.ts); made on the first. */
  streamPieces: Map<string, StepRecord[]> | undefined;
  /** Crash recovery: steps started before this replay's first new outcome count a lost attempt. */
  recovering: boolean;
  pausing = false;
  /** Step rollbacks registered by this replay, in call order (see ops-rollback.ts); made on the first. */
  rollbacks: RollbackEntry[] | undefined;
  /** The instance is failing (or being terminated with rollback): its rollbacks run, no forward work starts. */
  rollingBack = false;
  /** terminate({ rollback: true }) was asked: once `run()` has nothing left to do, the rollbacks run. */
  private terminating = false;
  private terminationStarted = false;
  private controller: AbortController | undefined;
  private ended = false;

  /** Aborted when this replay ends. Made on first use: most replays never need it. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.ended) this.controller.abort(REPLAY_ENDED);
    }
    return this.controller.signal;
  }

  private readonly counters: { [kind in StepKind]?: Map<string, number> } = {};
  private stepCount = 0;
  private running = 0;
  private readonly blockers = new Set<Blocker>();
  private readonly timers = new Set<() => void>();
  /** Unordered; each watch knows its slot, so add and remove are O(1) and allocate nothing (a Set does). */
  private readonly deadlines: DeadlineWatch[] = [];
  private armedFor: number | null = null;
  private disarm: (() => void) | undefined;
  private state: 'running' | 'suspending' | 'finishing' | 'done' = 'running';
  private checkScheduled = false;
  private instanceWrites: Promise<unknown> = Promise.resolve();
  /** The concurrency slot this replay holds (renewed with the lease), if the workflow has a limit. */
  slot: SlotLease | undefined;
  /** When the lease next needs renewing (see heartbeat.ts). */
  nextBeatAt: number;
  private settle!: (report: ReplayReport) => void;
  private reject!: (error: unknown) => void;
  readonly report: Promise<ReplayReport>;

  constructor(
    readonly settings: EngineSettings,
    journal: Journal,
    readonly deadline: number | null,
    recovering: boolean,
  ) {
    this.instance = journal.instance;
    this.ref = { workflowName: journal.instance.workflowName, instanceId: journal.instance.instanceId };
    this.token = journal.instance.leaseToken;
    this.recovering = recovering;
    this.events = journal.events;
    for (const step of journal.steps) this.index(step);
    this.pausing = journal.instance.status === 'waitingForPause';
    this.report = new Promise((resolve, reject) => {
      this.settle = resolve;
      this.reject = reject;
    });
    this.nextBeatAt = this.now + heartbeatEveryMs(settings.leaseMs);
    settings.heartbeat.add(this);
    if (this.events.length > 0 && terminationRequested(this.events, this.instance.generation)) this.beginTermination();
  }

  get now(): number {
    return this.settings.clock.now();
  }

  get active(): boolean {
    return this.state === 'running' || this.state === 'suspending';
  }

  private index(step: StepRecord): void {
    if (step.state === 'completed' || step.state === 'failed') {
      this.outcomes.set(step.key, step);
      if (step.eventId) this.consumed.add(step.eventId);
    } else if (step.state === 'started') {
      this.starts.set(step.key, step);
    } else if (step.state === 'chunk') {
      this.streamPieces ??= new Map();
      const pieces = this.streamPieces.get(step.key);
      if (!pieces) this.streamPieces.set(step.key, [step]);
      else if (!pieces.some((existing) => existing.id === step.id)) pieces.push(step);
    } else {
      const list = this.attempts.get(step.key);
      if (list) {
        if (!list.some((existing) => existing.id === step.id)) list.push(step);
        list.sort((a, b) => a.attempt - b.attempt);
      } else this.attempts.set(step.key, [step]);
    }
  }

  /** The deterministic key of the next call `kind`/`name`: name plus occurrence, taken at call time. */
  nextKey(kind: StepKind, name: string): { key: string; count: number; index: number } {
    // Counted per kind by the bare name: a map keyed by a joined string would build (and hash) one per call.
    const counters = (this.counters[kind] ??= new Map<string, number>());
    const count = (counters.get(name) ?? 0) + 1;
    counters.set(name, count);
    this.stepCount++;
    if (this.stepCount > this.settings.stepLimit) this.fatal(new StepLimitError(this.settings.stepLimit));
    return { key: `${kind}:${name}-${count}`, count, index: this.stepCount };
  }

  /** A place in program order for a record that is not a step call (a rollback); not counted against the limit. */
  nextIndex(): number {
    return ++this.stepCount;
  }

  /** Work that keeps the instance busy (a callback, a write, a short timer): not quiescent until it settles. */
  async track<T>(work: Promise<T>): Promise<T> {
    this.running++;
    try {
      return await work;
    } finally {
      this.leave();
    }
  }

  /** `enter`/`leave` bracket busy work without a wrapper promise (the step hot path). */
  enter(): void {
    this.running++;
  }

  leave(): void {
    this.running--;
    this.scheduleCheck();
  }

  /** Appends a journal record under the lease; a record already there (first writer won) is returned instead. */
  async record(step: StepRecord): Promise<StepRecord> {
    if (!this.active) return NEVER;
    let result: RecordStepResult;
    this.enter();
    try {
      result = await this.settings.store.recordStep({
        workflowName: this.ref.workflowName,
        instanceId: this.ref.instanceId,
        leaseToken: this.token,
        step,
      });
    } catch (error) {
      if (CairnError.is(error, 'lease_lost')) await this.onLeaseLost();
      else await this.fail(error);
      return NEVER;
    } finally {
      this.leave();
    }
    const stored = result.recorded ? step : result.existing;
    this.index(stored);
    if (stored.state === 'completed' || stored.state === 'failed') this.recovering = false;
    return stored;
  }

  /** True when a new step attempt may start now; otherwise the caller blocks (pause, deadline). */
  canStartWork(): BlockReason | null {
    if (this.pausing) return 'pause';
    if (this.deadline !== null && this.now >= this.deadline) return 'deadline';
    return null;
  }

  /** Resolves at `time`: in process when short enough, otherwise never (the instance suspends). */
  async waitUntil(time: number, reason: BlockReason): Promise<void> {
    while (this.active && time > this.now) await this.block({ wakeAt: time, reason });
    if (!this.active) return NEVER;
  }

  /**
   * Parks a branch until `wakeAt` or until `recheck` says it can go on after new events. A short wait
   * stays in process (it counts as running); a long one, or one with no time, lets the instance suspend.
   */
  block(blocker: Blocker): Promise<void> {
    if (!this.active) return NEVER;
    return new Promise<void>((resolve) => {
      let settled = false;
      let cancelTimer: (() => void) | undefined;
      const release = (): boolean => {
        if (settled || !this.active) return false;
        settled = true;
        this.blockers.delete(entry);
        if (cancelTimer) {
          cancelTimer();
          this.timers.delete(cancelTimer);
          this.running--;
        }
        resolve();
        this.scheduleCheck();
        return true;
      };
      const entry: Blocker = {
        wakeAt: blocker.wakeAt,
        reason: blocker.reason,
        recheck: blocker.recheck ? () => blocker.recheck!() && release() : undefined,
      };
      this.blockers.add(entry);
      const now = this.now;
      const { wakeAt } = blocker;
      if (
        wakeAt !== null &&
        wakeAt - now <= this.settings.maxInProcessWaitMs &&
        (this.deadline === null || wakeAt < this.deadline) &&
        !this.pausing
      ) {
        this.running++;
        cancelTimer = this.settings.clock.setTimer(release, wakeAt - now);
        this.timers.add(cancelTimer);
      } else {
        this.scheduleCheck();
      }
    });
  }

  /**
   * Calls `watch.onTimeout()` at `watch.deadline` unless unwatched first. One timer serves every running
   * attempt (armed for the earliest deadline), so a step costs no timer of its own: steps are short, timeouts long.
   */
  watchDeadline(watch: DeadlineWatch): void {
    watch.deadlineSlot = this.deadlines.push(watch) - 1;
    if (this.armedFor === null || watch.deadline < this.armedFor) this.armDeadlines(watch.deadline);
  }

  unwatchDeadline(watch: DeadlineWatch): void {
    const slot = watch.deadlineSlot;
    if (slot < 0 || this.deadlines[slot] !== watch) return;
    const last = this.deadlines.pop()!;
    if (last !== watch) {
      this.deadlines[slot] = last;
      last.deadlineSlot = slot;
    }
    watch.deadlineSlot = -1;
  }

  private armDeadlines(at: number): void {
    this.disarm?.();
    this.armedFor = at;
    this.disarm = this.settings.clock.setTimer(() => {
      this.armedFor = null;
      this.disarm = undefined;
      const now = this.now;
      let next: number | null = null;
      for (const watch of [...this.deadlines]) {
        if (watch.deadline <= now) {
          this.unwatchDeadline(watch);
          watch.onTimeout();
        } else if (next === null || watch.deadline < next) next = watch.deadline;
      }
      if (next !== null && this.state !== 'done') this.armDeadlines(next);
    }, at - this.now);
  }

  /** Events appended since the journal was read (refresh) may unblock waits. */
  private recheckBlockers(): void {
    for (const blocker of [...this.blockers]) blocker.recheck?.();
  }

  /** First unconsumed event of `type`, marked consumed. */
  takeEvent(type: string): EventRecord | undefined {
    for (const event of this.events) {
      if (event.type === type && !this.consumed.has(event.id)) {
        this.consumed.add(event.id);
        return event;
      }
    }
    return undefined;
  }

  eventById(id: string): EventRecord | undefined {
    return this.events.find((event) => event.id === id);
  }

  private scheduleCheck(): void {
    if (this.terminating && !this.terminationStarted) return this.checkTermination();
    if (this.checkScheduled || this.state !== 'running') return;
    if (this.running > 0 || this.blockers.size === 0) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      if (this.state === 'running' && this.running === 0 && this.blockers.size > 0) {
        this.suspend().catch((error: unknown) => this.fail(error));
      }
    });
  }

  /**
   * Termination with rollback: `run()` replays with every forward step, sleep and wait held (so each step call
   * registers its rollback); once nothing runs, the rollbacks run and the instance ends as terminated.
   */
  private beginTermination(): void {
    if (this.rollingBack) return; // failing already: its rollbacks are under way
    this.terminating = true;
    this.rollingBack = true;
    this.checkTermination();
  }

  private checkTermination(): void {
    if (this.checkScheduled || this.state !== 'running' || this.running > 0) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      if (this.state !== 'running' || this.running > 0 || this.terminationStarted) return;
      this.terminationStarted = true;
      this.terminateWithRollbacks().catch((error: unknown) => this.fail(error));
    });
  }

  private async terminateWithRollbacks(): Promise<void> {
    const rollback = this.rollbacks ? await runRollbacks(this, this.rollbacks, terminatedError()) : undefined;
    await this.finish({ terminated: true, rollback });
  }

  /** Every live branch is blocked: record the wake time, release the lease, ask for a wake-up. */
  private async suspend(): Promise<void> {
    this.state = 'suspending';
    let wakeAt: number | null = null;
    let reason: BlockReason = 'pause';
    for (const blocker of this.blockers) {
      if (blocker.reason === 'pause') continue;
      if (blocker.wakeAt !== null && (wakeAt === null || blocker.wakeAt < wakeAt)) {
        wakeAt = blocker.wakeAt;
        reason = blocker.reason;
      }
    }
    const pausing = this.pausing;
    const deadlineHit = [...this.blockers].some((blocker) => blocker.reason === 'deadline');
    if (deadlineHit && !pausing) {
      wakeAt = this.now;
      reason = 'deadline';
    }
    const status: InstanceStatusName = pausing ? 'paused' : deadlineHit ? 'running' : 'waiting';
    const now = this.now;
    const patch: InstancePatch = {
      status,
      leaseOwner: null,
      leaseExpiresAt: null,
      wakeAt: pausing ? null : wakeAt,
      wakeSeq: this.instance.wakeSeq + 1,
      updatedAt: now,
    };
    if (pausing) patch.pausedAt = now;
    const written = await this.writeInstance(patch);
    if (written === 'conflict') {
      // Something changed since we read the instance (an event, a pause): read it again and go on.
      if (this.state === 'suspending') this.state = 'running';
      this.recheckBlockers();
      this.scheduleCheck();
      return;
    }
    if (written === 'lost') return;
    this.state = 'done';
    this.end();
    if (!pausing && wakeAt !== null) {
      // The wake time is stored (the due index): if the scheduler fails now, the sweeper wakes the instance.
      await this.settings.scheduler.schedule({ ...this.ref, wakeAt, wakeSeq: written.wakeSeq }).catch(() => undefined);
    }
    this.settle({
      outcome: pausing ? 'paused' : deadlineHit ? 'continue' : 'suspended',
      status,
      wakeAt: pausing ? null : wakeAt,
      reason,
    });
  }

  /** `run()` returned or threw: record the outcome and release. */
  async finish(
    result: { output: string; value: unknown } | { error: InstanceError } | { terminated: true; rollback: RollbackSummary | undefined },
  ): Promise<void> {
    if (this.state === 'done' || this.state === 'finishing') return;
    this.state = 'finishing';
    const now = this.now;
    const status = 'output' in result ? 'complete' : 'error' in result ? 'errored' : 'terminated';
    let error: InstanceError | null = null;
    if ('error' in result) error = result.error;
    else if ('terminated' in result && result.rollback) error = { ...summarizeError(terminatedError()), rollback: result.rollback };
    const patch: InstancePatch = {
      status,
      output: 'output' in result ? result.output : null,
      error,
      leaseOwner: null,
      leaseExpiresAt: null,
      wakeAt: null,
      finishedAt: now,
      updatedAt: now,
      expiresAt: expiryOf(this.instance, status, now, this.settings.retentionMs),
    };
    for (;;) {
      const written = await this.writeInstance(patch);
      if (written === 'lost') return;
      if (written !== 'conflict') break;
    }
    this.state = 'done';
    this.end();
    if ('output' in result) this.settle({ outcome: 'complete', status, wakeAt: null, output: result.value });
    else if (error && status === 'errored') this.settle({ outcome: 'errored', status, wakeAt: null, error });
    else this.settle({ outcome: 'terminated', status, wakeAt: null });
  }

  /** An engine-level failure that no user code may catch: the instance fails now (after its rollbacks). */
  fatal(error: unknown): never {
    void this.failTerminally(error).catch((failure: unknown) => this.fail(failure));
    throw new FatalSignal();
  }

  /**
   * An error escaped `run()`, or the engine failed the instance: run the registered step rollbacks (as durable
   * steps; the instance may suspend and resume meanwhile), then record the instance as errored.
   */
  async failTerminally(error: unknown): Promise<void> {
    if (this.rollingBack || !this.active) return;
    this.rollingBack = true;
    const rollback = this.rollbacks ? await runRollbacks(this, this.rollbacks, error) : undefined;
    const summary: InstanceError = summarizeError(error);
    if (rollback) summary.rollback = rollback;
    await this.finish({ error: summary });
  }

  /** Someone else (another runner, terminate, restart) holds the instance now. */
  async onLeaseLost(): Promise<void> {
    if (this.state === 'done') return;
    this.state = 'done';
    this.end();
    const current = await this.settings.store.getInstance(this.ref).catch(() => null);
    const status = current?.status ?? null;
    this.settle({
      outcome: status === 'terminated' ? 'terminated' : 'lease_lost',
      status,
      wakeAt: null,
    });
  }

  /**
   * The store failed under us (an outage, a throttle that outlived the SDK's retries). No user code sees
   * it: the replay ends with the error, the lease is given back if possible, and the instance is due again
   * at once, so the host (or the sweeper, once the lease expires) replays it.
   */
  async fail(error: unknown): Promise<void> {
    if (this.state === 'done') return;
    this.state = 'done';
    this.end();
    const now = this.now;
    await this.settings.store
      .updateInstance({
        ...this.ref,
        expectedVersion: this.instance.version,
        patch: { leaseOwner: null, leaseExpiresAt: null, wakeAt: now, updatedAt: now },
      })
      .catch(() => undefined);
    this.reject(error);
  }

  /** Told by the runtime in this process: an event arrived, or a pause was asked. */
  notify(change: 'event' | 'pause' | 'resume'): void {
    if (!this.active) return;
    if (change === 'pause') this.pausing = true;
    this.refresh().catch(() => undefined);
  }

  /**
   * Compare-and-set on the instance under our lease. 'conflict': the record changed (it has been re-read,
   * events merged); 'lost': our lease is gone (the session is over).
   */
  private writeInstance(patch: InstancePatch): Promise<InstanceRecord | 'conflict' | 'lost'> {
    const write = this.instanceWrites.then(async () => {
      if (this.state === 'done') return 'lost' as const;
      try {
        this.instance = await this.settings.store.updateInstance({
          ...this.ref,
          expectedVersion: this.instance.version,
          patch,
        });
        return this.instance;
      } catch (error) {
        if (!(error instanceof Error) || !CairnError.is(error, 'version_conflict')) throw error;
        return (await this.reload()) ? ('conflict' as const) : ('lost' as const);
      }
    });
    this.instanceWrites = write.catch(() => undefined);
    return write;
  }

  /** Re-reads the journal: new events are merged, a pause noticed, a lost lease ends the session. */
  private async reload(): Promise<boolean> {
    const journal = await this.settings.store.loadJournal(this.ref);
    const instance = journal?.instance;
    if (!journal || !instance || instance.leaseOwner !== this.settings.owner || instance.leaseToken !== this.token) {
      await this.onLeaseLost();
      return false;
    }
    this.instance = instance;
    this.pausing = instance.status === 'waitingForPause';
    const known = new Set(this.events.map((event) => event.id));
    const fresh = journal.events.filter((event) => !known.has(event.id));
    if (fresh.length > 0) {
      this.events = journal.events;
      if (!this.terminating && terminationRequested(fresh, instance.generation)) this.beginTermination();
    }
    return true;
  }

  private async refresh(): Promise<void> {
    const ok = await this.writeInstance({ updatedAt: this.now });
    if (ok === 'lost') return;
    this.recheckBlockers();
    this.scheduleCheck();
  }

  /** Renews the lease; called by the runtime's heartbeat (the session is its own HeartbeatMember). */
  async beat(): Promise<void> {
    if (this.state === 'done') return;
    const now = this.now;
    const written = await this.writeInstance({
      leaseExpiresAt: now + this.settings.leaseMs,
      wakeAt: now + this.settings.leaseMs,
      updatedAt: now,
    }).catch(() => undefined);
    if (written === 'conflict') {
      this.recheckBlockers();
      this.scheduleCheck();
    }
    if (this.slot && this.active) await renewSlot(this.settings.store, this.slot, now, this.settings.leaseMs).catch(() => undefined);
  }

  private end(): void {
    this.settings.heartbeat.delete(this);
    this.ended = true;
    this.controller?.abort(REPLAY_ENDED);
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    this.disarm?.();
    for (const watch of this.deadlines) watch.deadlineSlot = -1;
    this.deadlines.length = 0;
  }

}

export { FatalSignal, LeaseLostError, VersionConflictError };
