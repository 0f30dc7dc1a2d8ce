// The journal: one read of instance, steps and events; the fenced create-if-absent step write; events.

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
} from '@cairn/core';
import type { SqliteContext } from './context.js';
import { rowToInstance } from './rows.js';

export function loadJournal(ctx: SqliteContext, ref: InstanceRef): Promise<Journal | null> {
  return ctx.tx.run('loadJournal', (): Journal | null => {
    // One read transaction: the instance, its steps and events come from one snapshot.
    const rows = ctx.tx.transaction(false, () => {
      const row = ctx.sql.getInstance.get(ref.workflowName, ref.instanceId);
      if (!row) return null;
      return {
        row,
        steps: ctx.sql.steps.all(ref.workflowName, ref.instanceId, row.generation as number),
        events: ctx.sql.events.all(ref.workflowName, ref.instanceId),
      };
    });
    if (!rows) return null;
    return {
      instance: rowToInstance(rows.row),
      steps: rows.steps.map((step) => parseStepRecord(JSON.parse(step.data as string))),
      events: rows.events.map((event) => parseEventRecord(JSON.parse(event.data as string))),
    };
  });
}

export function recordStep(ctx: SqliteContext, { workflowName, instanceId, leaseToken, step }: RecordStepParams): Promise<RecordStepResult> {
  return ctx.tx.write('recordStep', (): RecordStepResult => {
    const data = JSON.stringify(step);
    const inserted = ctx.sql.insertStep.run(step.generation, step.id, step.recordedAt, data, workflowName, instanceId, leaseToken);
    if (inserted.changes === 1) return { recorded: true };
    // Not inserted: the lease is gone, or the record exists. Tell which from one snapshot.
    return ctx.tx.transaction(false, (): RecordStepResult => {
      const lease = ctx.sql.lease.get(workflowName, instanceId);
      if (!lease) throw new InstanceNotFoundError(workflowName, instanceId);
      if (lease.leaseOwner === null || lease.leaseToken !== leaseToken) throw new LeaseLostError(workflowName, instanceId, leaseToken);
      const existing = ctx.sql.step.get(workflowName, instanceId, step.generation, step.id);
      if (existing) return { recorded: false, existing: parseStepRecord(JSON.parse(existing.data as string)) };
      // The lease changed between the insert and this read, and changed back: impossible, tokens only grow.
      throw new LeaseLostError(workflowName, instanceId, leaseToken);
    });
  });
}

export function appendEvent(ctx: SqliteContext, { workflowName, instanceId, event }: AppendEventParams): Promise<InstanceRecord> {
  return ctx.tx.write('appendEvent', () => {
    const row = ctx.tx.transaction(true, () => {
      ctx.sql.insertEvent.run(workflowName, instanceId, event.id, JSON.stringify(event));
      const counted = ctx.sql.countEvent.get(workflowName, instanceId);
      if (!counted) throw new InstanceNotFoundError(workflowName, instanceId);
      return counted;
    });
    return rowToInstance(row);
  });
}
