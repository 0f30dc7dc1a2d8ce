// In-process delivery of wake-ups: replay an instance now, once at a time per instance (a wake-up that comes
// while it runs replays it again afterwards), at most `maxConcurrent` at once (the rest stay due on disk for a
// poller), and after a failed replay again later, with backoff. The runtime delivers its in-process scheduler's
// wake-ups through one; the Node host runs its poller's through another.

import type { Clock } from '../clock.js';
import type { ReplayOptions } from '../engine/replay.js';
import type { ReplayReport } from '../engine/settings.js';
import type { InstanceRef } from '../store.js';
import { backoffDelayMs } from '../shared/backoff.js';
import { REDELIVERY_BASE_MS, REDELIVERY_MAX_MS } from '../shared/intervals.js';
import { refKey, refOf } from '../shared/refs.js';

export interface DispatcherOptions {
  replay(ref: InstanceRef, options: ReplayOptions): Promise<ReplayReport>;
  clock: Clock;
  /** A replay that threw (the store failed); it is delivered again after a backoff. */
  onError(error: unknown, ref: InstanceRef): void;
  /** Replays at once; past it a wake-up is left to the due index (someone must poll it). @default Infinity */
  maxConcurrent?: number;
  /** Each replay stops starting steps after this much working time and runs again at once. @default no limit */
  sliceMs?: number;
  /** A replay ended and there is room for another (a poller reads more). */
  onRoom?(): void;
}

export interface Dispatcher {
  /** Replays the instance now (or after the replay in progress); resolves when that replay is over. */
  deliver(ref: InstanceRef): Promise<void>;
  /** Replays running now (not counting those only waiting in process: they hold no room). */
  readonly active: number;
  /** True while the instance's replay runs here. */
  has(ref: InstanceRef): boolean;
  /** Stops: no new replay starts, retry timers are cancelled. Replays in progress go on. */
  close(): void;
}

interface Running {
  done: Promise<void>;
  /** Delivered again while running: replay once more afterwards; resolves when that replay is over. */
  again?: { done: Promise<void>; resolve: () => void };
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  return new InProcessDispatcher(options);
}

class InProcessDispatcher implements Dispatcher {
  private readonly running = new Map<string, Running>();
  /** Replays whose `run()` waits in process (a held sleep, event wait or retry delay): they take no room. */
  private readonly holding = new Set<string>();
  /** Instances whose replay failed: delivered again by their timer, not before. */
  private readonly retrying = new Map<string, { failures: number }>();
  private readonly timers = new Set<() => void>();
  private readonly maxConcurrent: number;
  private closed = false;

  constructor(private readonly options: DispatcherOptions) {
    this.maxConcurrent = options.maxConcurrent ?? Number.POSITIVE_INFINITY;
  }

  get active(): number {
    return this.running.size - this.holding.size;
  }

  has(ref: InstanceRef): boolean {
    return this.running.has(refKey(ref));
  }

  deliver(target: InstanceRef): Promise<void> {
    if (this.closed) return Promise.resolve();
    const ref = refOf(target);
    const key = refKey(ref);
    const current = this.running.get(key);
    if (current) {
      if (!current.again) {
        let resolve!: () => void;
        const done = new Promise<void>((settle) => (resolve = settle));
        current.again = { done, resolve };
      }
      return current.again.done;
    }
    // A failed replay waits for its retry timer; a full dispatcher leaves the instance due on disk.
    if (this.retrying.has(key) || this.active >= this.maxConcurrent) return Promise.resolve();
    return this.start(key, ref);
  }

  close(): void {
    this.closed = true;
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    this.retrying.clear();
  }

  private start(key: string, ref: InstanceRef): Promise<void> {
    const { options } = this;
    const entry: Running = { done: Promise.resolve() };
    const replayOptions: ReplayOptions = {
      onHold: (holding) => {
        if (!holding) this.holding.delete(key);
        else if (this.running.has(key)) {
          this.holding.add(key);
          options.onRoom?.();
        }
      },
    };
    if (options.sliceMs !== undefined) replayOptions.sliceMs = options.sliceMs;
    entry.done = options
      .replay(ref, replayOptions)
      .then(
        (report) => this.settled(key, ref, report, undefined),
        (error: unknown) => this.settled(key, ref, undefined, error),
      )
      .then((next) => {
        this.running.delete(key);
        this.holding.delete(key);
        const again = entry.again;
        if (again || next === 'again') {
          const rerun = this.closed ? Promise.resolve() : this.deliver(ref);
          void rerun.then(again?.resolve, again?.resolve);
        } else if (this.active < this.maxConcurrent) options.onRoom?.();
      });
    this.running.set(key, entry);
    return entry.done;
  }

  /** What follows a replay: again at once ('continue'), again later (busy, or failed: with backoff), or nothing. */
  private settled(key: string, ref: InstanceRef, report: ReplayReport | undefined, error: unknown): 'again' | 'done' {
    const { clock } = this.options;
    if (report) {
      this.retrying.delete(key);
      // 'continue': the slice (or a host deadline) ended with work left. 'busy': another runner holds it; if
      // it dies, its lease expires and the instance is due again then.
      if (report.outcome === 'continue') return 'again';
      if (report.outcome === 'busy' && report.wakeAt !== null) this.later(Math.max(0, report.wakeAt - clock.now()), () => void this.deliver(ref));
      return 'done';
    }
    this.options.onError(error, ref);
    const failures = (this.retrying.get(key)?.failures ?? 0) + 1;
    this.later(backoffDelayMs({ baseMs: REDELIVERY_BASE_MS, maxMs: REDELIVERY_MAX_MS }, failures), () => {
      this.retrying.delete(key);
      void this.deliver(ref);
    });
    this.retrying.set(key, { failures });
    return 'done';
  }

  private later(ms: number, action: () => void): void {
    if (this.closed) return;
    const cancel = this.options.clock.setTimer(() => {
      this.timers.delete(cancel);
      action();
    }, ms);
    this.timers.add(cancel);
  }
}
