// The determinism guard: a replay's step calls checked against the journal's sequential prefix.
//
// A step call's place in the order is fixed when no other step of run() was in flight as it was made (its
// record says `sequential`): whatever replays the same code reaches it as the same call. The journal's
// sequential prefix is its calls 1..n, each recorded as sequential. Within that prefix, the i-th call of a
// replay must ask for the step recorded i-th (same kind, name and occurrence); asking for another one (a step
// renamed, removed, inserted or moved, or its kind changed) is a contradiction. Past the prefix (the first call
// made beside another, in parallel branches) the order may differ between replays and is not compared, and
// calls after the recorded ones (appended steps) are new work, never a contradiction.

import type { StepRecord } from '../records.js';
import type { StepCall } from './call-order.js';

/** How much of either sequence an error shows around the contradiction. */
const SHOWN = 8;

export interface Contradiction {
  index: number;
  recorded: string[];
  requested: string[];
}

export class DeterminismGuard {
  /** Key of each call in the sequential prefix, by index - 1. */
  private readonly prefix: string[];
  private readonly places = new Map<string, number>();
  private readonly requested: string[] = [];

  constructor(steps: readonly StepRecord[]) {
    const byIndex = new Map<number, { key: string; sequential: boolean }>();
    for (const step of steps) {
      if (step.index === undefined) continue;
      const seen = byIndex.get(step.index);
      const sequential = step.sequential === true && step.kind !== 'rollback';
      // Every record of a call must say so (a retry made in another replay may have been made beside others).
      if (!seen) byIndex.set(step.index, { key: step.key, sequential });
      else if (seen.key !== step.key || !sequential) seen.sequential = false;
    }
    this.prefix = [];
    for (let index = 1; byIndex.get(index)?.sequential; index++) {
      const key = byIndex.get(index)!.key;
      this.prefix.push(key);
      this.places.set(key, index);
    }
  }

  /** True when there is nothing to compare (no sequential prefix): the common first run costs nothing more. */
  get idle(): boolean {
    return this.prefix.length === 0;
  }

  /** A contradiction of this call with the journal, or undefined. */
  check(call: StepCall): Contradiction | undefined {
    const { prefix } = this;
    const place = this.places.get(call.key);
    if (call.index > prefix.length && place === undefined) return undefined;
    const label = `${call.index}:${call.key}`;
    this.requested.push(label);
    const expected = prefix[call.index - 1];
    if (expected === call.key) return undefined;
    const from = Math.max(1, call.index - SHOWN);
    const until = Math.min(prefix.length, Math.max(call.index, place ?? 0));
    const recorded: string[] = [];
    for (let index = from; index <= until; index++) recorded.push(`${index}:${prefix[index - 1]}`);
    return { index: call.index, recorded, requested: this.requested.slice(-SHOWN - 1) };
  }
}
