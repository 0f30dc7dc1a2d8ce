// How a replay ends, and the report it settles with: suspended (every live branch blocked), finished (run()
// returned or threw, or the instance was terminated), lease lost, or failed (the store failed under it).
// Each ending writes the instance under the lease once and stops the replay's timers.

import type { InstanceRef } from '../store.js';
import { wakeOf } from '../shared/wake.js';
import type { Blocker } from './branches.js';
import type { InstanceWriter } from './instance-writer.js';
import type { EngineSettings, ReplayReport } from './settings.js';
import { finishPatch, finishStatus, planSuspension, type FinishResult } from './suspension.js';

export type Phase = 'running' | 'suspending' | 'finishing' | 'done';

export class Endings {
  phase: Phase = 'running';
  readonly report: Promise<ReplayReport>;
  private settle!: (report: ReplayReport) => void;
  private reject!: (error: unknown) => void;

  constructor(
    private readonly ref: InstanceRef,
    private readonly settings: EngineSettings,
    private readonly writer: () => InstanceWriter,
    /** Stops the replay's timers and signals; called once, when it ends. */
    private readonly onEnd: () => void,
  ) {
    this.report = new Promise((resolve, reject) => {
      this.settle = resolve;
      this.reject = reject;
    });
  }

  get active(): boolean {
    return this.phase === 'running' || this.phase === 'suspending';
  }

  /** Records the wake time, releases the lease, asks for a wake-up. False: the instance changed; the replay goes on. */
  async suspend(blockers: Iterable<Blocker>, pausing: boolean): Promise<boolean> {
    this.phase = 'suspending';
    const writer = this.writer();
    const plan = planSuspension(blockers, pausing, writer.instance, this.settings.clock.now());
    // Decided from this version: a re-read before the write goes out (new events) makes the plan stale.
    const written = await writer.write(plan.patch, writer.instance.version);
    if (written === 'conflict') {
      if (this.phase === 'suspending') this.phase = 'running';
      return false;
    }
    if (written === 'lost') return true;
    this.end();
    if (plan.outcome !== 'paused' && plan.wakeAt !== null) {
      // The wake time is stored (the due index): if the scheduler fails now, the sweeper wakes the instance.
      await this.settings.scheduler.schedule(wakeOf(written, plan.wakeAt)).catch(() => undefined);
    }
    this.settle({ outcome: plan.outcome, status: plan.status, wakeAt: plan.wakeAt, reason: plan.reason });
    return true;
  }

  /** Records the outcome and releases. */
  async finish(result: FinishResult): Promise<void> {
    if (this.phase === 'done' || this.phase === 'finishing') return;
    this.phase = 'finishing';
    const writer = this.writer();
    const patch = finishPatch(result, writer.instance, this.settings.clock.now(), this.settings.retentionMs);
    for (;;) {
      const written = await writer.write(patch);
      if (written === 'lost') return;
      if (written !== 'conflict') break;
    }
    this.end();
    const status = finishStatus(result);
    if ('output' in result) this.settle({ outcome: 'complete', status, wakeAt: null, output: result.value });
    else if (patch.error && status === 'errored') this.settle({ outcome: 'errored', status, wakeAt: null, error: patch.error });
    else this.settle({ outcome: 'terminated', status, wakeAt: null });
  }

  /**
   * The code contradicts the journal (determinism guard): the instance is parked as `paused` with the error
   * (nothing recorded), for an operator to fix the code and resume it.
   */
  async park(error: Error): Promise<void> {
    if (this.phase === 'done' || this.phase === 'finishing') return;
    this.phase = 'finishing';
    const writer = this.writer();
    const summary = { name: error.name, message: error.message };
    for (;;) {
      const now = this.settings.clock.now();
      const patch = { status: 'paused' as const, pausedAt: now, leaseOwner: null, leaseExpiresAt: null, wakeAt: null, error: summary, updatedAt: now };
      const written = await writer.write(patch);
      if (written === 'lost') return;
      if (written !== 'conflict') break;
    }
    this.end();
    this.settle({ outcome: 'paused', status: 'paused', wakeAt: null, error: summary });
  }

  /** Someone else (another runner, terminate, restart) holds the instance now. */
  async leaseLost(): Promise<void> {
    if (this.phase === 'done') return;
    this.end();
    const current = await this.settings.store.getInstance(this.ref).catch(() => null);
    const status = current?.status ?? null;
    this.settle({ outcome: status === 'terminated' ? 'terminated' : 'lease_lost', status, wakeAt: null });
  }

  /**
   * The store failed under us (an outage, a throttle that outlived the SDK's retries). No user code sees
   * it: the replay ends with the error, the lease is given back if possible, and the instance is due again
   * at once, so the host (or the sweeper, once the lease expires) replays it.
   */
  async fail(error: unknown): Promise<void> {
    if (this.phase === 'done') return;
    this.end();
    const now = this.settings.clock.now();
    const { version } = this.writer().instance;
    await this.settings.store
      .updateInstance({ ...this.ref, expectedVersion: version, patch: { leaseOwner: null, leaseExpiresAt: null, wakeAt: now, updatedAt: now } })
      .catch(() => undefined);
    this.reject(error);
  }

  /**
   * The instance's code (its pinned version) is not available here: the lease is given back and nothing else is
   * written but its wake time, `retryMs` on, for a host that has the code; the replay ends with the error.
   */
  async setAside(error: unknown, retryMs: number): Promise<void> {
    if (this.phase === 'done') return;
    this.end();
    const now = this.settings.clock.now();
    const { version, status } = this.writer().instance;
    const wakeAt = now + retryMs;
    const queued = status === 'running' ? ('queued' as const) : status;
    const patch = { status: queued, leaseOwner: null, leaseExpiresAt: null, wakeAt, updatedAt: now };
    const released = await this.settings.store.updateInstance({ ...this.ref, expectedVersion: version, patch }).catch(() => undefined);
    if (released) await this.settings.scheduler.schedule(wakeOf(released, wakeAt)).catch(() => undefined);
    if (error !== null) this.reject(error);
    else this.settle({ outcome: 'continue', status: queued, wakeAt });
  }

  private end(): void {
    this.phase = 'done';
    this.onEnd();
  }
}
