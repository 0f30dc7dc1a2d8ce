// Listing: pages of instances newest first (an opaque cursor naming the last one), counts, and due wake-ups.

import {
  ValidationError,
  type CorruptRecordError,
  type ClaimDueParams,
  type CountInstancesParams,
  type DueInstance,
  type InstanceCounts,
  type InstancePage,
  type InstanceRecord,
  type ListDueParams,
  type ListInstancesParams,
} from '@cairn/core';
import type { PostgresContext } from './context.js';
import { rowToInstance } from './rows.js';

const MAX_PAGE = 1_000;

export async function listInstances(ctx: PostgresContext, { workflowName, status, limit = 50, cursor }: ListInstancesParams): Promise<InstancePage> {
  const size = Math.max(1, Math.min(MAX_PAGE, Math.floor(limit)));
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const values: (string | number)[] = [size + 1];
  if (workflowName) values.push(workflowName);
  if (status) values.push(status);
  if (after) values.push(...after);
  const rows = await ctx.tx.query('listInstances', ctx.shaped.list(Boolean(workflowName), Boolean(status), Boolean(after)), values);
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
}

export async function countInstances(ctx: PostgresContext, { workflowName }: CountInstancesParams): Promise<InstanceCounts> {
  const rows =
    workflowName === undefined
      ? await ctx.tx.query<{ status: string; n: number }>('countInstances', ctx.sql.countAll, [])
      : await ctx.tx.query<{ status: string; n: number }>('countInstances', ctx.sql.countWorkflow, [workflowName]);
  return Object.fromEntries(rows.map((row) => [row.status, row.n])) as InstanceCounts;
}

export function listDueInstances(ctx: PostgresContext, { now, limit }: ListDueParams): Promise<DueInstance[]> {
  return ctx.tx.query<DueInstance & Record<string, unknown>>('listDueInstances', ctx.sql.due, [now, Math.max(0, Math.floor(limit))]);
}

export async function claimDueInstances(ctx: PostgresContext, { now, limit, claimUntil, ref }: ClaimDueParams): Promise<DueInstance[]> {
  const claimed = ref
    ? await ctx.tx.query<DueInstance & Record<string, unknown>>('claimDueInstances', ctx.sql.claimOne, [ref.workflowName, ref.instanceId, now, claimUntil])
    : await ctx.tx.query<DueInstance & Record<string, unknown>>('claimDueInstances', ctx.sql.claimDue, [now, Math.max(0, Math.floor(limit)), claimUntil]);
  // UPDATE ... RETURNING keeps no order: earliest first, as listDueInstances.
  return claimed.sort((a, b) => a.wakeAt - b.wakeAt);
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
