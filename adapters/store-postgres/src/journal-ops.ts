// The journal: one statement reads instance, steps and events (less the events this generation's waits
// consumed); steps go through the group commit; events are create-if-absent with their counters.

import { randomUUID } from 'node:crypto';
import {
  InstanceNotFoundError,
  parseEventRecord,
  parseStepRecord,
  type AppendEventParams,
  type InstanceRecord,
  type InstanceRef,
  type Journal,
  type RecordStepParams,
  type RecordStepResult,
} from '@cairn/core';
import type { PostgresContext } from './context.js';
import { parseJsonRow, rowToInstance } from './rows.js';

export async function loadJournal(ctx: PostgresContext, ref: InstanceRef): Promise<Journal | null> {
  const [row] = await ctx.tx.query('loadJournal', ctx.sql.loadJournal, [ref.workflowName, ref.instanceId]);
  if (!row) return null;
  const { _steps: steps, _events: events, ...instance } = row as Record<string, unknown> & { _steps: string[]; _events: string[] };
  return {
    instance: rowToInstance(instance),
    steps: steps.map((data) => parseJsonRow(data, parseStepRecord, ref, 'step')),
    events: events.map((data) => parseJsonRow(data, parseEventRecord, ref, 'event')),
  };
}

export function recordStep(ctx: PostgresContext, params: RecordStepParams): Promise<RecordStepResult> {
  return ctx.steps.record(params);
}

export function appendEvent(ctx: PostgresContext, { workflowName, instanceId, event }: AppendEventParams): Promise<InstanceRecord> {
  const data = JSON.stringify(event);
  return ctx.tx.attempt('appendEvent', async () => {
    const [row] = await ctx.tx.send(ctx.sql.appendEvent, [workflowName, instanceId, event.id, data, randomUUID()]);
    if (row) return rowToInstance(row);
    // Nothing counted: no such instance, or the event id was there already (the first event with an id wins).
    const [current] = await ctx.tx.send(ctx.sql.getInstance, [workflowName, instanceId]);
    if (!current) throw new InstanceNotFoundError(workflowName, instanceId);
    return rowToInstance(current);
  });
}
