// The deterministic key of each step call: its name plus its occurrence, counted per kind in call order,
// and the call's place in program order.

import type { StepKind } from '../records.js';
import { stepKey } from '../journal/keys.js';

export interface StepCall {
  key: string;
  count: number;
  /** The call's place among run()'s step calls (1 for the first). */
  index: number;
}

export class CallOrder {
  // Counted per kind by the bare name: a map keyed by a joined string would build (and hash) one per call.
  private readonly counters: { [kind in StepKind]?: Map<string, number> } = {};
  private calls = 0;

  /** The key of the next call `kind`/`name`, taken at call time (so parallel calls get distinct keys). */
  next(kind: StepKind, name: string): StepCall {
    const counters = (this.counters[kind] ??= new Map<string, number>());
    const count = (counters.get(name) ?? 0) + 1;
    counters.set(name, count);
    return { key: stepKey(kind, name, count), count, index: ++this.calls };
  }

  /** A place in program order for a record that is not a step call (a rollback). */
  nextIndex(): number {
    return ++this.calls;
  }

  /** Step calls made so far (rollback places included). */
  get made(): number {
    return this.calls;
  }
}
