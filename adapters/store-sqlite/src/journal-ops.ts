// The journal: one read of instance, steps and events (less the events this generation's waits consumed);
// the fenced create-if-absent step write; create-if-absent events.

import { randomUUID } from 'node:crypto';
import {
  InstanceNotFoundError,
  LeaseLostError,
  parseEventRecord,
  parseStepRecord,
  type AppendEventParams,
  type InstanceRecord,
  type InstanceRef,
  type Journal,
  type RecordStepParams,
  type RecordStepResult,
  type StepRecord,
} from '@cairn/core';
import type { SqliteContext } from './context.js';
import { parseJsonRow, rowToInstance } from './rows.js';

export function loadJournal(ctx: SqliteContext, ref: InstanceRef): Promise<Journal | null> {
  return ctx.tx.run('loadJournal', (): Journal | null => {
    // One read transaction: the instance, its steps and events come from one snapshot.
    const rows = ctx.tx.transaction(false, () => {
      const row = ctx.sql.getInstance.get(ref.workflowName, ref.instanceId);
      if (!row) return null;
      const generation = row.generation as number;
      return {
        row,
        steps: ctx.sql.steps.all(ref.workflowName, ref.instanceId, generation),
        events: ctx.sql.events.all(ref.workflowName, ref.instanceId, generation),
      };
    });
    if (!rows) return null;
    return {
      instance: rowToInstance(rows.row),
      steps: rows.steps.map((step) => parseJsonRow(step.data, parseStepRecord, ref, 'step')),
      events: rows.events.map((event) => parseJsonRow(event.data, parseEventRecord, ref, 'event')),
    };
  });
}

/** A wait's outcome names the event it took: its generation's journal leaves the event out from now on. */
function consumes(step: StepRecord): string | undefined {
  return step.kind === 'wait' && step.state === 'completed' ? step.eventId : undefined;
}

export function recordStep(ctx: SqliteContext, { workflowName, instanceId, leaseToken, step }: RecordStepParams): Promise<RecordStepResult> {
  return ctx.tx.write('recordStep', (): RecordStepResult => {
    const data = JSON.stringify(step);
    const consumed = consumes(step);
    const insert = () => {
      const inserted = ctx.sql.insertStep.run(step.generation, step.id, step.recordedAt, data, workflowName, instanceId, leaseToken).changes === 1;
      if (inserted && consumed !== undefined) ctx.sql.markConsumed.run(step.generation, workflowName, instanceId, consumed);
      return inserted;
    };
    if (consumed === undefined ? insert() : ctx.tx.transaction(true, insert)) return { recorded: true };
    // Not inserted: the lease is gone, or the record exists. Tell which from one snapshot.
    return ctx.tx.transaction(false, (): RecordStepResult => {
      const lease = ctx.sql.lease.get(workflowName, instanceId);
      if (!lease) throw new InstanceNotFoundError(workflowName, instanceId);
      if (lease.leaseOwner === null || lease.leaseToken !== leaseToken) throw new LeaseLostError(workflowName, instanceId, leaseToken);
      const existing = ctx.sql.step.get(workflowName, instanceId, step.generation, step.id);
      if (existing) return { recorded: false, existing: parseJsonRow(existing.data, parseStepRecord, { workflowName, instanceId }, 'step') };
      // The lease changed between the insert and this read, and changed back: impossible, tokens only grow.
      throw new LeaseLostError(workflowName, instanceId, leaseToken);
    });
  });
}

/** Create-if-absent on the event id: the event and the counters together, or (an id already there) nothing. */
export function appendEvent(ctx: SqliteContext, { workflowName, instanceId, event }: AppendEventParams): Promise<InstanceRecord> {
  return ctx.tx.write('appendEvent', () => {
    const row = ctx.tx.transaction(true, () => {
      if (ctx.sql.insertEvent.run(workflowName, instanceId, event.id, JSON.stringify(event)).changes === 0) {
        const current = ctx.sql.getInstance.get(workflowName, instanceId);
        if (!current) throw new InstanceNotFoundError(workflowName, instanceId);
        return current;
      }
      const counted = ctx.sql.countEvent.get(randomUUID(), workflowName, instanceId);
      if (!counted) throw new InstanceNotFoundError(workflowName, instanceId);
      return counted;
    });
    return rowToInstance(row);
  });
}
