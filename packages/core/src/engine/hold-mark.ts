// While `run()` waits in process (nothing busy but waits held by a timer), its lease is cut to the end of the
// wait plus a grace, so that a runner killed during the wait leaves the instance due then, not a whole lease
// later; meanwhile the instance reads `waiting`, as a suspended one does (which also tells a runner taking over
// that no attempt was in flight). When the wait ends: `running` and a full lease again. One write when a hold starts and one when it ends, chained and
// each decided when it goes out, so a hold shorter than a turn of the event loop costs nothing.

import type { Clock } from '../clock.js';
import type { InstancePatch } from '../store.js';
import type { InstanceWriter } from './instance-writer.js';

export type HoldKind = 'wait' | 'retry';

/** Retry delays held at least this long are marked (`waiting`, the lease cut); shorter ones are not. */
const MIN_MARKED_RETRY_MS = 1_000;

export interface HoldMarkHooks {
  /** What is held while only held waits are busy and the replay goes on (not pausing, suspending or done). */
  holding(): HoldKind | null;
  /** When the first held wait ends. */
  heldUntil(): number | null;
  /** The record changed under a mark (re-read, events merged): the branches look again. */
  onConflict(): void;
  /** Told as soon as the replay starts or stops holding (the host's count of busy replays). */
  onHold?: (holding: boolean) => void;
}

export class HoldMark {
  /** What the stored record says. */
  private marked: HoldKind | null = null;
  private wanted: HoldKind | null = null;
  private queued = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly writer: () => InstanceWriter,
    private readonly clock: Clock,
    private readonly leaseMs: number,
    private readonly hooks: HoldMarkHooks,
  ) {}

  /** How long past a held wait's end the lease lasts: long enough for the write that renews it. */
  get graceMs(): number {
    return Math.min(Math.floor(this.leaseMs / 3), Math.max(1_000, Math.floor(this.leaseMs / 10)));
  }

  /** The lease expiry a renewal writes now: cut to the held wait's end while marked. */
  leaseUntil(now: number): number {
    return this.expiry(now, this.marked !== null);
  }

  private expiry(now: number, cut: boolean): number {
    const full = now + this.leaseMs;
    const until = cut ? this.hooks.heldUntil() : null;
    return until === null ? full : Math.min(full, until + this.graceMs);
  }

  /** Told on every change of the branches (the step hot path): a few reads when nothing changed. */
  sync(): void {
    const want = this.hooks.holding();
    if (want === this.wanted) return;
    if ((want === null) !== (this.wanted === null)) this.hooks.onHold?.(want !== null);
    this.wanted = want;
    if (this.queued) return;
    this.queued = true;
    setImmediate(() => {
      this.queued = false;
      this.chain = this.chain.then(() => this.apply()).catch(() => undefined);
    });
  }

  /** Resolves once what is stored matches what is held now (null: it already does). */
  settled(): Promise<void> | null {
    if (this.queued) return new Promise((resolve) => setImmediate(() => void this.chain.then(resolve, resolve)));
    if (this.marked === this.wanted) return null;
    return this.chain;
  }

  private async apply(): Promise<void> {
    for (;;) {
      const want = this.wanted === null ? null : this.hooks.holding();
      if (want === this.marked) return;
      const writer = this.writer();
      const current = writer.instance;
      const now = this.clock.now();
      const expires = this.expiry(now, want !== null);
      // A pause (or anything but a plain run) under way: the replay is about to end. A retry delay under a
      // second is not worth two writes (it reads `running`; a kill during it is charged to the attempt, as a
      // kill mid-step is).
      const ours = current.status === 'running' || (current.status === 'waiting' && this.marked !== null);
      const brief = want === 'retry' && this.marked === null && (this.hooks.heldUntil() ?? now) - now < MIN_MARKED_RETRY_MS;
      if (want !== null && (!ours || brief)) return;
      // `waiting` also tells a runner taking over after a kill that nothing was in flight (no attempt to charge).
      const status = want !== null ? 'waiting' : current.status === 'waiting' ? 'running' : undefined;
      // If this runner dies, the due-wake-up index brings the instance back once the lease expires.
      const patch: InstancePatch = { leaseExpiresAt: expires, wakeAt: expires, updatedAt: now };
      if (status) patch.status = status;
      const written = await writer.write(patch, current.version);
      if (written === 'lost') return;
      if (written === 'conflict') this.hooks.onConflict();
      else this.marked = want;
    }
  }
}
