// Listing: pages of instances by the unique `listKey` (newest first), and the due wake-ups by `wakeKey`.

import {
  InstanceRecordSchema,
  ValidationError,
  parseInstanceRecord,
  type DueInstance,
  type InstancePage,
  type ListDueParams,
  type ListInstancesParams,
} from '@cairn/core';
import { instanceChunkIds, instanceFields } from './codec.js';
import { parse, readChunks, refOfData, type FirestoreContext } from './context.js';
import { withRetry } from './errors.js';
import { LIST_KEY_PATTERN, wakeKey } from './keys.js';

const DueFieldsSchema = InstanceRecordSchema.pick({ workflowName: true, instanceId: true, wakeAt: true });

export async function listInstances(ctx: FirestoreContext, { workflowName, status, limit = 50, cursor }: ListInstancesParams): Promise<InstancePage> {
  if (cursor !== undefined && !LIST_KEY_PATTERN.test(cursor)) {
    throw new ValidationError('listInstances cursor', 'a nextCursor returned by this store', cursor);
  }
  const size = Math.max(1, Math.min(limit, ctx.maxPageSize));
  // A range filter on the immutable, unique `listKey` instead of startAfter(): the same index, and the
  // filter also keeps journal documents (which have no listKey) out.
  let query = ctx.col.where('listKey', '>', cursor ?? '');
  if (workflowName !== undefined) query = query.where('workflowName', '==', workflowName);
  if (status !== undefined) query = query.where('status', '==', status);
  return withRetry('listInstances', ctx.retry, async () => {
    const snapshot = await query
      .orderBy('listKey')
      .limit(size + 1)
      .get();
    const docs = snapshot.docs.slice(0, size);
    const chunkIds = docs.flatMap((snap) => {
      const ids = instanceChunkIds(snap.id, snap.data());
      return [...ids.params, ...ids.output];
    });
    const chunks = await readChunks(ctx, chunkIds);
    // A document that does not parse is left out (and reported): one corrupt instance never hides the others.
    const instances = docs.flatMap((snap) => {
      try {
        return [
          parse(
            refOfData(snap.data()),
            'instance',
            parseInstanceRecord,
            instanceFields(snap.id, snap.data(), (id) => chunks.get(id)),
          ),
        ];
      } catch (error) {
        console.warn(`${(error as Error).message}: left out of the listing`);
        return [];
      }
    });
    const last = docs[docs.length - 1];
    return snapshot.docs.length > size && last ? { instances, nextCursor: last.get('listKey') as string } : { instances };
  });
}

export async function listDueInstances(ctx: FirestoreContext, { now, limit }: ListDueParams): Promise<DueInstance[]> {
  return withRetry('listDueInstances', ctx.retry, async () => {
    const snapshot = await ctx.col
      .where('wakeKey', '<=', wakeKey(now))
      .orderBy('wakeKey')
      .limit(Math.max(1, limit))
      .select('workflowName', 'instanceId', 'wakeAt')
      .get();
    return snapshot.docs.map((snap) => {
      const due = parse(refOfData(snap.data()), 'instance', (v) => DueFieldsSchema.parse(v), snap.data());
      return { workflowName: due.workflowName, instanceId: due.instanceId, wakeAt: due.wakeAt! };
    });
  });
}
