// How the test environment moves time: it settles (waits until no store call, timer or step callback has moved
// for a few macrotasks), then jumps the virtual clock to the next wait the test allowed to skip, until what a
// helper waits for is there. Time never moves by itself.

import { FINISHED_STATUSES, refKey, type Journal, type WorkflowStore } from '@cairn/core';
import type { StepOverrides, TrackedAttempt } from './overrides.js';
import { combineRules, createTimeRules, describeWaits, skippableWakeTimes, type ScopedTimeRule, type TimeRules } from './time-rules.js';
import type { TrackedStore } from './tracked-store.js';
import type { VirtualClock } from './virtual-clock.js';

const QUIET_TURNS = 3;
const SETTLE_LIMIT_MS = 60_000;
export const MAX_JUMPS = 100_000;
const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));
const realDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class TimeDriver {
  /** What the test allows to skip; replaced by `resetMocks`. */
  rules: TimeRules;
  /** Rules added by Cloudflare-style introspectors, each removed when its introspector is disposed. */
  readonly scopedRules = new Set<ScopedTimeRule>();
  /** Set once the clock exists (the clock's settle hook is this driver's). */
  clock!: VirtualClock;

  constructor(
    private readonly raw: WorkflowStore,
    private readonly tracked: TrackedStore,
    private readonly overrides: StepOverrides,
    private readonly timeSkipping: boolean,
    private readonly stepGraceMs: number,
  ) {
    this.rules = createTimeRules(timeSkipping);
  }

  resetRules(): void {
    this.rules = createTimeRules(this.timeSkipping);
  }

  /** Waits until no store call, timer or step callback has moved for a few macrotasks. */
  async settle(): Promise<void> {
    const startedAt = Date.now();
    let last = -1;
    let quiet = 0;
    for (;;) {
      if (Date.now() - startedAt > SETTLE_LIMIT_MS) {
        throw new Error(`[cairn testkit] the runtime did not go quiet within ${SETTLE_LIMIT_MS}ms of wall time`);
      }
      await macrotask();
      const stamp = this.tracked.activity + this.clock.activity;
      if (this.tracked.inFlight > 0 || this.clock.hasDueTimers() || stamp !== last) {
        last = stamp;
        quiet = 0;
        continue;
      }
      if (++quiet < QUIET_TURNS) continue;
      if ((await this.attemptsPending()).real) {
        // A step callback is doing real work (I/O, real timers): give it wall time, not virtual time.
        await realDelay(1);
        quiet = 0;
        continue;
      }
      return;
    }
  }

  /** Settles, checks, and jumps in time as the rules (widened by `widen`) allow until `check` gives a result. */
  async drive<T>(what: string, check: () => Promise<T | undefined>, widen?: Partial<Pick<TimeRules, 'sleeps' | 'retryDelays'>>): Promise<T> {
    for (let jumps = 0; jumps <= MAX_JUMPS; jumps++) {
      await this.settle();
      const result = await check();
      if (result !== undefined) return result;
      const target = await this.nextSkip(widen);
      if (target === null) throw new Error(`[cairn testkit] ${what}, but nothing can move without the test:\n${await this.describeBlocked()}`);
      await this.clock.advanceTo(target);
    }
    throw new Error(`[cairn testkit] ${what}: gave up after ${MAX_JUMPS} time jumps`);
  }

  /** Jumps until nothing the rules allow is left to skip. */
  async runUntilIdle(): Promise<void> {
    for (let jumps = 0; jumps <= MAX_JUMPS; jumps++) {
      await this.settle();
      const target = await this.nextSkip();
      if (target === null) return;
      await this.clock.advanceTo(target);
    }
  }

  /** The next virtual time the rules allow jumping to, or null when the test must act. */
  private async nextSkip(widen?: Partial<Pick<TimeRules, 'sleeps' | 'retryDelays'>>): Promise<number | null> {
    const now = this.clock.now();
    const next = this.clock.nextTimerAt();
    if (this.rules.everything) return next;
    const rules = combineRules(this.rules, this.scopedRules, widen);
    const candidates: number[] = [];
    if (next !== null && (await this.attemptsPending()).timeSkippable) candidates.push(next);
    for (const journal of await this.liveJournals()) candidates.push(...skippableWakeTimes(journal, rules, now));
    const future = candidates.filter((time) => time > now);
    return future.length === 0 ? null : Math.min(...future);
  }

  private async describeBlocked(): Promise<string> {
    const lines = (await this.liveJournals()).map((journal) => `  - ${describeWaits(journal, this.clock.now())}`);
    const next = this.clock.nextTimerAt();
    return [
      ...lines,
      `  virtual time is ${new Date(this.clock.now()).toISOString()}; next timer ${next === null ? 'none' : `at ${new Date(next).toISOString()}`}.`,
      '  Send the event (env.sendEvent), move time (env.advance), or allow skipping (disableSleeps, disableRetryDelays,',
      '  forceEventTimeout, or createTestEnvironment({ timeSkipping: true })).',
    ].join('\n');
  }

  private async liveJournals(): Promise<Journal[]> {
    const seen = new Set<string>();
    const journals: Journal[] = [];
    for (const ref of this.tracked.created) {
      if (seen.has(refKey(ref))) continue;
      seen.add(refKey(ref));
      const journal = await this.raw.loadJournal(ref);
      if (journal && !FINISHED_STATUSES.has(journal.instance.status)) journals.push(journal);
    }
    return journals;
  }

  /** Drops tracked attempts whose outcome is recorded or whose run is over; says whether a live real one remains. */
  private async attemptsPending(): Promise<{ real: boolean; timeSkippable: boolean }> {
    let real = false;
    let timeSkippable = false;
    for (const attempt of Array.from(this.overrides.inFlight)) {
      if (await this.attemptOver(attempt)) {
        this.overrides.inFlight.delete(attempt);
        continue;
      }
      if (attempt.mode === 'timeout' || Date.now() - attempt.since >= this.stepGraceMs) timeSkippable = true;
      else real = true;
    }
    return { real, timeSkippable };
  }

  private async attemptOver(attempt: TrackedAttempt): Promise<boolean> {
    const journal = await this.raw.loadJournal(attempt);
    if (!journal) return true;
    const { instance } = journal;
    if (instance.leaseOwner === null || FINISHED_STATUSES.has(instance.status)) return true;
    return journal.steps.some((step) => step.key === attempt.key && step.state !== 'started' && step.attempt >= attempt.attempt);
  }
}
