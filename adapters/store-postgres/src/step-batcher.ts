// Group commit of step records: the steps many instances record in the same turn of the event loop go to the
// server as one statement (one round trip, one commit), and each caller's promise resolves once that commit
// is done. A step that finds no statement in flight is sent at once, on its own, with nothing added to its latency. Steps refused (the
// lease gone, or the record already there) are told apart by one more read, as a single write's are.

import { InstanceNotFoundError, LeaseLostError, parseStepRecord, type RecordStepParams, type RecordStepResult, type StepRecord } from '@cairn/core';
import { parseJsonRow } from './rows.js';
import type { Statements } from './statements.js';
import type { Transport } from './transport.js';

interface Pending {
  params: RecordStepParams;
  data: string;
  consumed: string | null;
  resolve: (result: RecordStepResult) => void;
  reject: (error: unknown) => void;
}

/** Steps per statement at most (a statement's arrays stay well under the protocol's limits). */
const MAX_BATCH = 500;

/** A wait's outcome names the event it took: its generation's journal leaves the event out from now on. */
function consumes(step: StepRecord): string | null {
  return step.kind === 'wait' && step.state === 'completed' ? (step.eventId ?? null) : null;
}

const keyOf = ({ workflowName, instanceId, step }: RecordStepParams) => `${workflowName}\u0000${instanceId}\u0000${step.generation}\u0000${step.id}`;

export class StepBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly tx: Transport,
    private readonly sql: Statements,
    private readonly options: { enabled: boolean; maxInFlight: number },
  ) {}

  record(params: RecordStepParams): Promise<RecordStepResult> {
    return new Promise<RecordStepResult>((resolve, reject) => {
      const pending: Pending = { params, data: JSON.stringify(params.step), consumed: consumes(params.step), resolve, reject };
      if (!this.options.enabled) return void this.settle([pending]);
      this.queue.push(pending);
      // Nothing in flight: this step goes now, alone (no turn of the event loop added to a sequential instance's
      // latency); steps that come while it is in flight are grouped into the next statements.
      if (this.inFlight === 0 && !this.scheduled) void this.flush();
      else this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= this.options.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight >= this.options.maxInFlight || this.queue.length === 0) return;
    // Two calls for one step go to different statements: exactly one of them can be recorded.
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const keys = new Set<string>();
    for (const pending of this.queue) {
      const key = keyOf(pending.params);
      if (batch.length >= MAX_BATCH || keys.has(key)) rest.push(pending);
      else {
        keys.add(key);
        batch.push(pending);
      }
    }
    this.queue = rest;
    this.inFlight++;
    try {
      await this.settle(batch);
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }

  /** Sends the steps (one statement), then answers each caller. */
  private async settle(batch: Pending[]): Promise<void> {
    let inserted: Set<Pending>;
    try {
      inserted = await this.tx.attempt('recordStep', () => this.insert(batch));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    await Promise.all(
      batch.map(async (pending) => {
        try {
          pending.resolve(inserted.has(pending) ? { recorded: true } : await this.refusal(pending.params));
        } catch (error) {
          pending.reject(error);
        }
      }),
    );
  }

  private async insert(batch: Pending[]): Promise<Set<Pending>> {
    if (batch.length === 1) {
      const [pending] = batch as [Pending];
      const { workflowName, instanceId, leaseToken, step } = pending.params;
      const values: unknown[] = [workflowName, instanceId, step.generation, step.id, step.recordedAt, pending.data, leaseToken];
      const [row] =
        pending.consumed === null
          ? await this.tx.send<{ inserted: number }>(this.sql.recordPlainStep, values)
          : await this.tx.send<{ inserted: number }>(this.sql.recordStep, [...values, pending.consumed]);
      return new Set(row?.inserted === 1 ? [pending] : []);
    }
    const column = <T>(pick: (pending: Pending) => T) => batch.map(pick);
    const rows = await this.tx.send<{ wf: string; iid: string; gen: number; id: string }>(this.sql.recordSteps, [
      column((p) => p.params.workflowName),
      column((p) => p.params.instanceId),
      column((p) => p.params.step.generation),
      column((p) => p.params.step.id),
      column((p) => p.params.step.recordedAt),
      column((p) => p.data),
      column((p) => p.params.leaseToken),
      column((p) => p.consumed),
    ]);
    const byKey = new Map(batch.map((pending) => [keyOf(pending.params), pending]));
    return new Set(rows.map((row) => byKey.get(`${row.wf}\u0000${row.iid}\u0000${row.gen}\u0000${row.id}`)!).filter(Boolean));
  }

  /** Not inserted: the lease is gone, or the record exists. Told from one snapshot. */
  private async refusal({ workflowName, instanceId, leaseToken, step }: RecordStepParams): Promise<RecordStepResult> {
    const [row] = await this.tx.query<{ leaseOwner: string | null; leaseToken: number; existing: string | null }>('recordStep', this.sql.stepRefusal, [
      workflowName,
      instanceId,
      step.generation,
      step.id,
    ]);
    if (!row) throw new InstanceNotFoundError(workflowName, instanceId);
    if (row.leaseOwner === null || row.leaseToken !== leaseToken) throw new LeaseLostError(workflowName, instanceId, leaseToken);
    if (row.existing !== null) return { recorded: false, existing: parseJsonRow(row.existing, parseStepRecord, { workflowName, instanceId }, 'step') };
    // The lease changed between the insert and this read, and changed back: impossible, tokens only grow.
    throw new LeaseLostError(workflowName, instanceId, leaseToken);
  }
}
