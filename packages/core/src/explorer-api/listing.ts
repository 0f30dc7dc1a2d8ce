// Instance lists and counts for the explorer: Cloudflare's page numbers over the store's cursors (page n reads
// the n - 1 pages before it), and counts by status from the store's `countInstances` (or, without one, by
// listing every instance, which is slow on a large store).

import { InstanceStatusSchema, type InstanceRecord } from '../records.js';
import type { InstanceCounts, WorkflowStore } from '../store.js';

/** Every status, so that a workflow's counts name them all (as Cloudflare's do). */
const ZERO_COUNTS = Object.fromEntries(InstanceStatusSchema.options.filter((status) => status !== 'unknown').map((status) => [status, 0]));

export async function statusCounts(store: WorkflowStore, workflowName: string): Promise<Record<string, number>> {
  return { ...ZERO_COUNTS, ...(await countInstancesOf(store, workflowName)) };
}

/** A workflow's instances by status: the store's `countInstances` when it has one, else by listing every page. */
export async function countInstancesOf(store: WorkflowStore, workflowName: string): Promise<InstanceCounts> {
  return store.countInstances ? store.countInstances({ workflowName }) : countByListing(store, workflowName);
}

async function countByListing(store: WorkflowStore, workflowName: string): Promise<InstanceCounts> {
  const counts: InstanceCounts = {};
  let cursor: string | undefined;
  do {
    const page = await store.listInstances({ workflowName, limit: 1_000, ...(cursor ? { cursor } : {}) });
    for (const instance of page.instances) counts[instance.status] = (counts[instance.status] ?? 0) + 1;
    cursor = page.nextCursor;
  } while (cursor);
  return counts;
}

/** The `page`-th page (from 1) of `perPage` instances, newest first (stores may return short pages: counted, not assumed). */
export async function instancePage(
  store: WorkflowStore,
  params: { workflowName: string; status?: InstanceRecord['status']; page: number; perPage: number },
): Promise<InstanceRecord[]> {
  const skip = (params.page - 1) * params.perPage;
  const found: InstanceRecord[] = [];
  let seen = 0;
  let cursor: string | undefined;
  do {
    // Pages being skipped are read in large pieces; the page asked for, in its own size.
    const limit = seen < skip ? Math.min(1_000, skip - seen) : params.perPage - found.length;
    const listed = await store.listInstances({
      workflowName: params.workflowName,
      limit,
      ...(params.status ? { status: params.status } : {}),
      ...(cursor ? { cursor } : {}),
    });
    for (const instance of listed.instances) {
      if (seen++ >= skip && found.length < params.perPage) found.push(instance);
    }
    cursor = listed.nextCursor;
  } while (cursor && found.length < params.perPage);
  return found;
}
