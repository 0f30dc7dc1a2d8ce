// A step's registered rollback (`step.do(name, fn, { rollback, rollbackConfig })`): what the handler will be
// given if the instance fails. Made on every replay from the step calls, like everything else in `run()`.

import type { WorkflowStepContext, WorkflowStepRollbackOptions } from '../entrypoint.js';
import type { StepRecord } from '../records.js';
import { contextConfig, type WorkflowStepConfig } from '../step-config.js';
import type { JournalView } from './journal-view.js';
import { replayOutcome } from './outcome.js';
import { stepContext } from './step-context.js';

export type RollbackHandler = NonNullable<WorkflowStepRollbackOptions<unknown>['rollback']>;

export class RollbackEntry {
  /** Attempts made of the step (0: never attempted, so nothing to undo). */
  attempt = 0;
  /** The step's recorded outcome, once it completed (its output is made when the handler runs). */
  private completed: StepRecord | undefined;
  private inFlight: Promise<void> | undefined;
  private settle: (() => void) | undefined;

  constructor(
    private readonly journal: JournalView,
    readonly name: string,
    readonly count: number,
    readonly index: number,
    private readonly handler: RollbackHandler,
    readonly rollbackConfig: WorkflowStepConfig | undefined,
    private readonly stepConfig: WorkflowStepConfig | undefined,
  ) {}

  /** The step's outcome was recorded before this replay. */
  replayed(outcome: StepRecord): void {
    this.attempt = outcome.attempt;
    if (outcome.state === 'completed') this.completed = outcome;
  }

  /** Failed attempts were recorded before this replay. */
  attemptsMade(attempts: number): void {
    this.attempt = attempts;
  }

  attemptStarted(attempt: number): void {
    this.attempt = attempt;
    this.inFlight = new Promise((resolve) => (this.settle = resolve));
  }

  /** The attempt's record is written (outcome or failed attempt). */
  attemptSettled(record: StepRecord): void {
    if (record.state === 'completed') this.completed = record;
    this.settle?.();
    this.inFlight = this.settle = undefined;
  }

  /** Resolves once an attempt running now has settled (at once if none is). */
  whenSettled(): Promise<void> | undefined {
    return this.inFlight;
  }

  /** Calls the handler for one rollback attempt; its return value is not kept. */
  async invoke(attempt: WorkflowStepContext, error: Error): Promise<undefined> {
    // The step's ctx, as its callback saw it, with the rollback attempt's signal.
    const ctx = stepContext({ name: this.name, count: this.count }, this.attempt, contextConfig(this.stepConfig), () => attempt.signal);
    const output = this.completed ? replayOutcome(this.completed, this.journal) : undefined;
    await this.handler({ ctx, output, error });
    return undefined;
  }
}
