// When a replay has gone quiet: no branch busy and some blocked (it may suspend), or, when a termination with
// rollback waits, nothing busy at all (its rollbacks may run). Checked after the current turn, at most once
// at a time, so that work finishing in the same turn is seen first.

export interface QuiescenceHooks {
  /** Still running (not suspending, finishing or done). */
  running(): boolean;
  busy(): number;
  blocked(): number;
  /** A terminate-with-rollback waits for `run()` to go quiet. */
  terminationPending(): boolean;
  suspend(): void;
  terminate(): void;
}

export class Quiescence {
  private scheduled = false;

  constructor(private readonly hooks: QuiescenceHooks) {}

  /** Something changed: suspend (or terminate) after this turn if the replay is quiet then. */
  check(): void {
    const { hooks } = this;
    if (hooks.terminationPending()) return this.checkTermination();
    if (this.scheduled || !hooks.running() || hooks.busy() > 0 || hooks.blocked() === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (hooks.running() && hooks.busy() === 0 && hooks.blocked() > 0) hooks.suspend();
    });
  }

  private checkTermination(): void {
    const { hooks } = this;
    if (this.scheduled || !hooks.running() || hooks.busy() > 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (hooks.running() && hooks.busy() === 0 && hooks.terminationPending()) hooks.terminate();
    });
  }
}
