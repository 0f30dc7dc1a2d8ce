// One replay of one instance by one runner. It composes the parts that each do one job (the journal view,
// call order, branches, deadline watches, the instance writer) and decides the replay's end: suspend when
// every live branch is blocked, finish when run() settles, fail when the store fails. Step operations see
// it only as a StepScope; `replayInstance` creates and starts it.

import { CairnError, NonDeterminismError, StepLimitError } from '../errors.js';
import type { InstanceRecord, Journal, StepKind, StepRecord } from '../records.js';
import type { RecordStepResult } from '../store.js';
import type { InstanceRef } from '../store.js';
import { DEFAULT_MAX_IN_PROCESS_WAIT_MS, heartbeatEveryMs } from '../shared/intervals.js';
import { Branches, type Blocker, type BlockReason } from './branches.js';
import { CallOrder, type StepCall } from './call-order.js';
import { renewSlot, type SlotLease } from './concurrency-slots.js';
import { DeadlineWatches, type DeadlineWatch } from './deadlines.js';
import { DeterminismGuard, type Contradiction } from './determinism.js';
import { FatalSignal } from './fatal-signal.js';
import { HoldMark } from './hold-mark.js';
import type { HeartbeatMember } from './heartbeat.js';
import { InstanceWriter, type WriteResult } from './instance-writer.js';
import { JournalView } from './journal-view.js';
import { NEVER } from './never.js';
import type { RollbackEntry } from './rollback-entry.js';
import { RollbackRelay } from './rollback-relay.js';
import type { StepScope } from './scope.js';
import type { EngineSettings, ReplayReport, StepOverrideHook } from './settings.js';
import { Endings } from './endings.js';
import type { FinishResult } from './suspension.js';
import { terminationRequested } from './termination.js';
import { Quiescence } from './quiescence.js';

/** What bounds a replay's time: the host's deadline, a renewable working slice, and who hears of held waits. */
export interface SessionLimits {
  deadline?: number | undefined;
  sliceMs?: number | undefined;
  onHold?: ((holding: boolean) => void) | undefined;
}

/** The abort reason of a replay that ended; made once (a DOMException per abort is costly). */
const REPLAY_ENDED = Object.freeze(Object.assign(new Error('The replay of this instance ended'), { name: 'AbortError' }));

export class ReplaySession implements StepScope, HeartbeatMember {
  readonly ref: InstanceRef;
  readonly token: number;
  readonly journal: JournalView;
  readonly stepOverride: StepOverrideHook | undefined;
  /** When the lease next needs renewing (see heartbeat.ts). */
  nextBeatAt: number;
  pausing: boolean;
  private recovering: boolean;
  private readonly calls = new CallOrder();
  private readonly guard: DeterminismGuard;
  /** Calls whose live work runs now; a call made while none does is sequential (its place is fixed). */
  private liveCalls = 0;
  private readonly sequentialCalls = new Set<number>();
  private readonly branches: Branches;
  private readonly deadlines: DeadlineWatches;
  private readonly writer: InstanceWriter;
  private readonly rollbacks = new RollbackRelay();
  private readonly endings: Endings;
  private readonly quiescence: Quiescence;
  private readonly hold: HoldMark;
  private controller: AbortController | undefined;
  /** When the host's time runs out (a Lambda's end): no wait is held past it, no step starts after it. */
  private readonly hardDeadline: number | null;
  /** The end of this replay's working slice (a long-lived host's turn): time spent holding waits does not count. */
  private sliceEnd: number | null;
  private heldSince = 0;

  constructor(
    readonly settings: EngineSettings,
    journal: Journal,
    limits: SessionLimits,
    recovering: boolean,
    /** The concurrency slot this replay holds (renewed with the lease), if the workflow has a limit. */
    private readonly slot?: SlotLease,
  ) {
    const { instance } = journal;
    this.ref = { workflowName: instance.workflowName, instanceId: instance.instanceId };
    this.token = instance.leaseToken;
    this.recovering = recovering;
    this.hardDeadline = limits.deadline ?? null;
    this.sliceEnd = limits.sliceMs === undefined ? null : this.now + limits.sliceMs;
    this.stepOverride = settings.stepOverride;
    this.journal = new JournalView(journal.steps, journal.events);
    this.guard = new DeterminismGuard(journal.steps);
    this.pausing = instance.status === 'waitingForPause';
    this.endings = new Endings(
      this.ref,
      settings,
      () => this.writer,
      () => this.end(),
    );
    this.branches = new Branches(settings.clock, {
      isActive: () => this.active,
      holdsInProcess: (wakeAt) => this.holdsInProcess(wakeAt),
      onChange: () => this.scheduleCheck(),
      holdEnded: () => this.hold.settled(),
    });
    this.hold = new HoldMark(() => this.writer, settings.clock, settings.leaseMs, {
      holding: () => (this.endings.phase === 'running' && !this.pausing ? this.branches.holding : null),
      heldUntil: () => this.branches.heldUntil,
      onConflict: () => {
        this.branches.recheck();
        this.quiescence.check();
      },
      onHold: (holding) => {
        this.sliceHeld(holding);
        limits.onHold?.(holding);
      },
    });
    this.deadlines = new DeadlineWatches(settings.clock);
    this.quiescence = new Quiescence({
      running: () => this.endings.phase === 'running',
      busy: () => this.branches.running,
      blocked: () => this.branches.blockers.size,
      terminationPending: () => this.rollbacks.terminationPending,
      suspend: () => void this.suspend().catch((error: unknown) => this.fail(error)),
      terminate: () =>
        void this.rollbacks
          .terminate(this)
          .then((rollback) => this.finish({ terminated: true, rollback }))
          .catch((error: unknown) => this.fail(error)),
    });
    this.writer = new InstanceWriter(
      instance,
      settings.store,
      this.ref,
      { owner: settings.owner, token: this.token },
      {
        isDone: () => this.endings.phase === 'done',
        onLeaseLost: () => this.onLeaseLost(),
        onReloaded: (reread) => this.onReloaded(reread),
      },
      () => this.journal.consumedCount,
    );
    this.nextBeatAt = this.now + heartbeatEveryMs(settings.leaseMs);
    settings.heartbeat.add(this);
    if (this.journal.events.length > 0 && terminationRequested(this.journal.events, instance.generation)) this.beginTermination();
  }

  get instance(): InstanceRecord {
    return this.writer.instance;
  }

  // Where run() is against what the journal holds (the replay-aware logger reads these).
  get workflowName(): string {
    return this.ref.workflowName;
  }

  get instanceId(): string {
    return this.ref.instanceId;
  }

  get callsMade(): number {
    return this.calls.made;
  }

  get recordedCalls(): number {
    return this.journal.maxIndex;
  }

  get generation(): number {
    return this.writer.instance.generation;
  }

  get pausedTotalMs(): number {
    return this.writer.instance.pausedTotalMs;
  }

  get now(): number {
    return this.settings.clock.now();
  }

  /** When this replay stops starting work: the host's deadline or the slice's end, whichever is first. */
  get deadline(): number | null {
    const { hardDeadline, sliceEnd } = this;
    if (sliceEnd === null) return hardDeadline;
    return hardDeadline === null ? sliceEnd : Math.min(hardDeadline, sliceEnd);
  }

  /**
   * Whether a wait until `wakeAt` stays in process: within the budget, before the host's deadline, not while
   * pausing. A workflow with a concurrency limit holds only short waits (a held wait keeps its slot).
   */
  private holdsInProcess(wakeAt: number): boolean {
    if (this.pausing || (this.hardDeadline !== null && wakeAt >= this.hardDeadline)) return false;
    const budget = this.slot ? Math.min(this.settings.maxInProcessWaitMs, DEFAULT_MAX_IN_PROCESS_WAIT_MS) : this.settings.maxInProcessWaitMs;
    return wakeAt - this.now <= budget;
  }

  /** The instance is failing (or being terminated with rollback): its rollbacks run, no forward work starts. */
  get rollingBack(): boolean {
    return this.rollbacks.rollingBack;
  }

  get active(): boolean {
    return this.endings.active;
  }

  get report(): Promise<ReplayReport> {
    return this.endings.report;
  }

  /** Aborted when this replay ends. Made on first use: most replays never need it. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.endings.phase === 'done') this.controller.abort(REPLAY_ENDED);
    }
    return this.controller.signal;
  }

  // ---- StepScope: what step operations use ----

  nextKey(kind: StepKind, name: string): StepCall {
    const call = this.calls.next(kind, name);
    if (call.index > this.settings.stepLimit) this.fatal(new StepLimitError(this.settings.stepLimit));
    if (this.liveCalls === 0) this.sequentialCalls.add(call.index);
    if (!this.guard.idle && !this.rollingBack) {
      const contradiction = this.guard.check(call);
      if (contradiction) this.stopContradicted(contradiction);
    }
    return call;
  }

  callStarted(): void {
    this.liveCalls++;
  }

  callEnded(): void {
    this.liveCalls--;
  }

  /** The code asked for a step the journal contradicts: park the instance as paused before that step runs. */
  private stopContradicted(contradiction: Contradiction): never {
    const { workflowName, instanceId } = this.ref;
    const error = new NonDeterminismError(workflowName, instanceId, contradiction.index, contradiction.recorded, contradiction.requested);
    this.settings.onNonDeterminism?.(this.ref, error);
    void this.endings.park(error).catch((failure: unknown) => this.fail(failure));
    throw new FatalSignal();
  }

  nextIndex(): number {
    return this.calls.nextIndex();
  }

  async record(step: StepRecord): Promise<StepRecord> {
    if (!this.active) return NEVER;
    if (step.index !== undefined && step.kind !== 'rollback' && this.sequentialCalls.has(step.index)) step.sequential = true;
    let result: RecordStepResult;
    this.branches.enter();
    try {
      result = await this.settings.store.recordStep({ workflowName: this.ref.workflowName, instanceId: this.ref.instanceId, leaseToken: this.token, step });
    } catch (error) {
      if (CairnError.is(error, 'lease_lost')) await this.onLeaseLost();
      else await this.fail(error);
      return NEVER;
    } finally {
      this.branches.leave();
    }
    const stored = result.recorded ? step : result.existing;
    this.journal.add(stored);
    if (stored.state === 'completed' || stored.state === 'failed') this.recovering = false;
    return stored;
  }

  canStartWork(): BlockReason | null {
    if (this.pausing) return 'pause';
    if (this.deadline !== null && this.now >= this.deadline) return 'deadline';
    return null;
  }

  async waitUntil(time: number, reason: BlockReason): Promise<void> {
    while (this.active && time > this.now) await this.branches.block({ wakeAt: time, reason });
    if (!this.active) return NEVER;
  }

  block(blocker: Blocker): Promise<void> {
    return this.branches.block(blocker);
  }

  enter(): void {
    this.branches.enter();
  }

  leave(): void {
    this.branches.leave();
  }

  watchDeadline(watch: DeadlineWatch): void {
    this.deadlines.watch(watch);
  }

  unwatchDeadline(watch: DeadlineWatch): void {
    this.deadlines.unwatch(watch);
  }

  takeRecovery(): boolean {
    const recovering = this.recovering;
    this.recovering = false;
    return recovering;
  }

  registerRollback(entry: RollbackEntry): void {
    this.rollbacks.register(entry);
  }

  fatal(error: unknown): never {
    void this.failTerminally(error).catch((failure: unknown) => this.fail(failure));
    throw new FatalSignal();
  }

  // ---- Endings ----

  private scheduleCheck(): void {
    this.hold.sync();
    this.quiescence.check();
  }

  /** A slice measures working time: a held wait moves its end on by as long as it lasted. */
  private sliceHeld(holding: boolean): void {
    if (this.sliceEnd === null) return;
    if (holding) this.heldSince = this.now;
    else this.sliceEnd += this.now - this.heldSince;
  }

  /** Held waits suspend instead (the runtime is closing): the instance is left `waiting`, due when they end. */
  dropHolds(): void {
    this.branches.dropHolds();
  }

  /**
   * Termination with rollback: `run()` replays with every forward step, sleep and wait held (so each step call
   * registers its rollback); once nothing runs, the rollbacks run and the instance ends as terminated.
   */
  private beginTermination(): void {
    if (this.rollbacks.askTermination()) this.quiescence.check();
  }

  /** Every live branch is blocked: suspend; if the instance changed meanwhile (it was re-read), go on. */
  private async suspend(): Promise<void> {
    if (await this.endings.suspend(this.branches.blockers, this.pausing)) return;
    this.branches.recheck();
    this.scheduleCheck();
  }

  /** `run()` returned or threw: record the outcome and release. */
  finish(result: FinishResult): Promise<void> {
    return this.endings.finish(result);
  }

  /**
   * An error escaped `run()`, or the engine failed the instance: run the registered step rollbacks (as durable
   * steps; the instance may suspend and resume meanwhile), then record the instance as errored.
   */
  async failTerminally(error: unknown): Promise<void> {
    if (!this.active) return;
    const summary = await this.rollbacks.fail(this, error);
    if (summary) await this.finish({ error: summary });
  }

  /**
   * The code for this instance is not here (or its runner was lost): give it back as it was (queued), due again
   * after `retryMs`; the replay ends with `error`, or reports `continue` when there is none.
   */
  setAside(error: unknown, retryMs: number): Promise<void> {
    return this.endings.setAside(error, retryMs);
  }

  /** Someone else (another runner, terminate, restart) holds the instance now. */
  onLeaseLost(): Promise<void> {
    return this.endings.leaseLost();
  }

  /** The store failed under us: the replay ends with the error and the instance is due again at once. */
  fail(error: unknown): Promise<void> {
    return this.endings.fail(error);
  }

  // ---- Changes seen from outside ----

  /** Told by the runtime in this process: an event arrived, or a pause was asked. */
  notify(change: 'event' | 'pause' | 'resume'): void {
    if (!this.active) return;
    if (change === 'pause') {
      this.pausing = true;
      this.branches.dropHolds();
    }
    this.refresh().catch(() => undefined);
  }

  private async refresh(): Promise<void> {
    const written = await this.writer.write({ updatedAt: this.now });
    if (written === 'lost') return;
    this.branches.recheck();
    this.scheduleCheck();
  }

  /** The journal was re-read under our lease: a pause noticed, new events merged. */
  private onReloaded(journal: Journal): void {
    this.pausing = journal.instance.status === 'waitingForPause';
    if (this.pausing) this.branches.dropHolds();
    const fresh = this.journal.mergeEvents(journal.events);
    if (fresh.length > 0 && !this.rollbacks.terminating && terminationRequested(fresh, journal.instance.generation)) this.beginTermination();
  }

  /** Renews the lease; called by the runtime's heartbeat (the session is its own HeartbeatMember). */
  async beat(): Promise<void> {
    if (this.endings.phase === 'done') return;
    const now = this.now;
    const written: WriteResult | undefined = await this.writer
      .write({ leaseExpiresAt: this.hold.leaseUntil(now), wakeAt: this.hold.leaseUntil(now), updatedAt: now })
      .catch(() => undefined);
    if (written === 'conflict') {
      this.branches.recheck();
      this.scheduleCheck();
    }
    if (this.slot && this.active) await renewSlot(this.settings.store, this.slot, now, this.settings.leaseMs).catch(() => undefined);
  }

  private end(): void {
    this.settings.heartbeat.delete(this);
    this.controller?.abort(REPLAY_ENDED);
    this.branches.stop();
    this.deadlines.stop();
  }
}
