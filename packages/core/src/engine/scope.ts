// The one interface step operations (ops-*.ts, rollbacks) see of the replay that runs them: the journal, call
// order, journal writes under the lease, waiting, busy bracketing, deadlines and fatal errors. The session
// implements it; no operation imports the session.

import type { InstanceRef } from '../store.js';
import type { StepRecord, StepKind } from '../records.js';
import type { Blocker, BlockReason } from './branches.js';
import type { StepCall } from './call-order.js';
import type { DeadlineWatch } from './deadlines.js';
import type { JournalView } from './journal-view.js';
import type { EngineSettings, StepOverrideHook } from './settings.js';
import type { RollbackEntry } from './rollback-entry.js';

export interface StepScope {
  readonly ref: InstanceRef;
  readonly settings: EngineSettings;
  /** The lease's fencing token (names stream pieces per writer). */
  readonly token: number;
  /** The instance's generation and total paused time, as the replay last read them. */
  readonly generation: number;
  readonly pausedTotalMs: number;
  readonly journal: JournalView;
  readonly now: number;
  /** Aborted when the replay ends. */
  readonly signal: AbortSignal;
  /** A pause was asked: no new attempt starts. */
  readonly pausing: boolean;
  /** The instance is failing (or terminating with rollback): forward work stops, rollbacks run. */
  readonly rollingBack: boolean;
  readonly stepOverride: StepOverrideHook | undefined;

  /** The next call's key; past the step limit the instance fails (fatal). */
  nextKey(kind: StepKind, name: string): StepCall;
  nextIndex(): number;
  /** A call's live work (not a replayed outcome) starts and ends: calls made meanwhile are not sequential. */
  callStarted(): void;
  callEnded(): void;
  /** Appends a record under the lease; a record already there (first writer won) is returned instead. */
  record(step: StepRecord): Promise<StepRecord>;
  /** Null when a new attempt may start now; otherwise why it must wait (pause, deadline). */
  canStartWork(): BlockReason | null;
  /** Resolves at `time`: in process when short enough, otherwise never (the instance suspends). */
  waitUntil(time: number, reason: BlockReason): Promise<void>;
  block(blocker: Blocker): Promise<void>;
  enter(): void;
  leave(): void;
  watchDeadline(watch: DeadlineWatch): void;
  unwatchDeadline(watch: DeadlineWatch): void;
  /** True once, if this replay took over from a runner that died mid-attempt: that attempt counts as failed. */
  takeRecovery(): boolean;
  registerRollback(entry: RollbackEntry): void;
  /** An engine-level failure no user code may catch: the instance fails (after its rollbacks). Throws. */
  fatal(error: unknown): never;
}
