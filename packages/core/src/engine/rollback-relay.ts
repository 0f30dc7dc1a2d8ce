// The replay's rollback state: the rollbacks its step calls registered, whether the instance is rolling back
// (failing, or terminating with rollback) and whether a termination still waits for `run()` to go quiet.

import { summarizeError } from '../error-codec.js';
import type { InstanceError, RollbackSummary } from '../records.js';
import { runRollbacks } from './ops-rollback.js';
import type { RollbackEntry } from './rollback-entry.js';
import type { StepScope } from './scope.js';
import { terminatedError } from './termination.js';

export class RollbackRelay {
  /** Forward work stops: the rollbacks run (or are about to). */
  rollingBack = false;
  private entries: RollbackEntry[] | undefined;
  private terminationAsked = false;
  private terminationStarted = false;

  register(entry: RollbackEntry): void {
    (this.entries ??= []).push(entry);
  }

  /** terminate({ rollback: true }): false when the instance is failing already (its rollbacks are under way). */
  askTermination(): boolean {
    if (this.rollingBack) return false;
    this.terminationAsked = this.rollingBack = true;
    return true;
  }

  get terminationPending(): boolean {
    return this.terminationAsked && !this.terminationStarted;
  }

  get terminating(): boolean {
    return this.terminationAsked;
  }

  /** Runs the rollbacks for a termination, once; undefined when there were none to run. */
  async terminate(scope: StepScope): Promise<RollbackSummary | undefined> {
    this.terminationStarted = true;
    return this.entries ? runRollbacks(scope, this.entries, terminatedError()) : undefined;
  }

  /** Runs the rollbacks for a failure; the instance's error, with their summary. Null when failing already. */
  async fail(scope: StepScope, error: unknown): Promise<InstanceError | null> {
    if (this.rollingBack) return null;
    this.rollingBack = true;
    const rollback = this.entries ? await runRollbacks(scope, this.entries, error) : undefined;
    const summary: InstanceError = summarizeError(error);
    if (rollback) summary.rollback = rollback;
    return summary;
  }
}
