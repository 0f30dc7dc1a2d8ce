// Listing: pages of instances newest first (an opaque cursor naming the last one), and due wake-ups.

import {
  ValidationError,
  type CorruptRecordError,
  type CountInstancesParams,
  type InstanceCounts,
  type DueInstance,
  type InstancePage,
  type InstanceRecord,
  type ListDueParams,
  type ListInstancesParams,
} from '@cairn/core';
import type { SqliteContext } from './context.js';
import { rowToInstance } from './rows.js';

const MAX_PAGE = 1_000;

export function listInstances(ctx: SqliteContext, { workflowName, status, limit = 50, cursor }: ListInstancesParams): Promise<InstancePage> {
  return ctx.tx.run('listInstances', (): InstancePage => {
    const size = Math.max(1, Math.min(MAX_PAGE, Math.floor(limit)));
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const params: Record<string, string | number> = { limit: size + 1 };
    if (workflowName) params.workflow = workflowName;
    if (status) params.status = status;
    if (after) Object.assign(params, { createdAt: after[0], afterWorkflow: after[1], afterId: after[2] });
    const rows = ctx.shaped.list(Boolean(workflowName), Boolean(status), Boolean(after)).all(params);
    const page = rows.slice(0, size);
    // A row that does not parse is left out (and reported): one corrupt instance never hides the others.
    const instances = page.flatMap((row) => {
      try {
        return [rowToInstance(row)];
      } catch (error) {
        ctx.onCorruptRecord(error as CorruptRecordError);
        return [];
      }
    });
    const last = page[page.length - 1];
    return rows.length > size && last ? { instances, nextCursor: encodeCursor(last as unknown as InstanceRecord) } : { instances };
  });
}

export function countInstances(ctx: SqliteContext, { workflowName }: CountInstancesParams): Promise<InstanceCounts> {
  return ctx.tx.run('countInstances', () => {
    const rows = workflowName === undefined ? ctx.sql.countAll.all() : ctx.sql.countWorkflow.all(workflowName);
    return Object.fromEntries(rows.map((row) => [row.status as string, Number(row.n)])) as InstanceCounts;
  });
}

export function listDueInstances(ctx: SqliteContext, { now, limit }: ListDueParams): Promise<DueInstance[]> {
  return ctx.tx.run('listDueInstances', () =>
    ctx.sql.due
      .all(now, Math.max(0, Math.floor(limit)))
      .map((row): DueInstance => ({ workflowName: row.workflowName as string, instanceId: row.instanceId as string, wakeAt: row.wakeAt as number })),
  );
}

function encodeCursor(instance: InstanceRecord): string {
  return Buffer.from(JSON.stringify([instance.createdAt, instance.workflowName, instance.instanceId])).toString('base64url');
}

function decodeCursor(cursor: string): [number, string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string' && typeof value[2] === 'string') {
      return value as [number, string, string];
    }
  } catch {
    // Falls through to the error below.
  }
  throw new ValidationError('cursor', 'a nextCursor returned by listInstances', cursor);
}
