// listInstances: newest first (createdAt descending), filtered by workflow and status, each instance once across pages.

import { describe, expect, it } from 'vitest';
import { parseInstanceRecord, type InstanceRecord, type ListInstancesParams } from '@cairn/core';
import type { SuiteContext } from './context.js';
import { T0, createInstance, mustGet, refOf } from './fixtures.js';

/** Reads every page; checks the page-size promises on the way. */
async function listAll(ctx: SuiteContext, params: Omit<ListInstancesParams, 'cursor'>): Promise<{ instances: InstanceRecord[]; pages: number }> {
  const limit = params.limit ?? 50;
  const expectedFull = Math.min(limit, ctx.options.maxPageSize);
  const instances: InstanceRecord[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await ctx.store.listInstances({ ...params, ...(cursor === undefined ? {} : { cursor }) });
    pages++;
    expect(page.instances.length, `page ${pages} holds at most limit=${limit}`).toBeLessThanOrEqual(limit);
    if (page.nextCursor !== undefined) {
      expect(typeof page.nextCursor).toBe('string');
      if (ctx.options.fullPages) expect(page.instances.length, `page ${pages} is full`).toBe(expectedFull);
    }
    instances.push(...page.instances.map(parseInstanceRecord));
    cursor = page.nextCursor;
    expect(pages, 'pagination ends').toBeLessThan(1_000);
  } while (cursor !== undefined);
  return { instances, pages };
}

const ids = (instances: InstanceRecord[]) => instances.map((instance) => instance.instanceId);

function expectNewestFirst(instances: InstanceRecord[]): void {
  for (let i = 1; i < instances.length; i++) {
    expect(instances[i]!.createdAt, `createdAt descending at position ${i}`).toBeLessThanOrEqual(instances[i - 1]!.createdAt);
  }
}

export function listingTests(ctx: SuiteContext): void {
  describe('listing', () => {
    it('pages newest first; every instance appears exactly once; the last page has no nextCursor', async () => {
      const offsets = [3, 7, 1, 6, 2, 5, 4];
      const created: InstanceRecord[] = [];
      for (const offset of offsets) created.push(await createInstance(ctx.store, { createdAt: T0 + offset * 1_000 }));
      const { instances, pages } = await listAll(ctx, { limit: 3 });
      const expected = [...created].sort((a, b) => b.createdAt - a.createdAt);
      expect(ids(instances)).toEqual(ids(expected));
      expect(instances).toEqual(expected);
      if (ctx.options.fullPages) expect(pages).toBe(3);
    });

    it('instances created at the same millisecond are each listed exactly once across pages', async () => {
      const created: InstanceRecord[] = [];
      for (let i = 0; i < 7; i++) created.push(await createInstance(ctx.store, { createdAt: T0 + (i < 5 ? 0 : 1) }));
      const { instances } = await listAll(ctx, { limit: 2 });
      expect(instances).toHaveLength(created.length);
      expect(new Set(ids(instances))).toEqual(new Set(ids(created)));
      expectNewestFirst(instances);
    });

    it('countInstances, when the store has it, counts by status as listInstances lists, and follows updates', async (t) => {
      if (!ctx.store.countInstances) return t.skip();
      const count = async (workflowName?: string) => {
        const counts = await ctx.store.countInstances!(workflowName === undefined ? {} : { workflowName });
        return Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));
      };
      const a1 = await createInstance(ctx.store, { workflowName: 'alpha', status: 'queued', createdAt: T0 + 1 });
      await createInstance(ctx.store, { workflowName: 'alpha', status: 'queued', createdAt: T0 + 2 });
      await createInstance(ctx.store, { workflowName: 'alpha', status: 'complete', createdAt: T0 + 3 });
      await createInstance(ctx.store, { workflowName: 'beta', status: 'errored', createdAt: T0 + 4 });
      expect(await count('alpha')).toEqual({ queued: 2, complete: 1 });
      expect(await count('gamma')).toEqual({});
      expect(await count()).toEqual({ queued: 2, complete: 1, errored: 1 });
      await ctx.store.updateInstance({ ...refOf(a1), expectedVersion: a1.version, patch: { status: 'running' } });
      expect(await count('alpha')).toEqual({ queued: 1, running: 1, complete: 1 });
    });

    it('filters by workflow, by status, and by both; status changes are reflected', async () => {
      const make = (workflowName: string, status: InstanceRecord['status'], offset: number) =>
        createInstance(ctx.store, { workflowName, status, createdAt: T0 + offset });
      const a1 = await make('alpha', 'queued', 1);
      const a2 = await make('alpha', 'complete', 2);
      const a3 = await make('alpha', 'queued', 3);
      const b1 = await make('beta', 'queued', 4);
      const b2 = await make('beta', 'errored', 5);
      expect(ids((await listAll(ctx, { workflowName: 'alpha', limit: 2 })).instances)).toEqual(ids([a3, a2, a1]));
      expect(ids((await listAll(ctx, { status: 'queued', limit: 2 })).instances)).toEqual(ids([b1, a3, a1]));
      expect(ids((await listAll(ctx, { workflowName: 'beta', status: 'errored' })).instances)).toEqual(ids([b2]));
      expect((await listAll(ctx, { workflowName: 'gamma' })).instances).toEqual([]);

      // The status index follows updates.
      await ctx.store.updateInstance({ ...refOf(a3), expectedVersion: a3.version, patch: { status: 'complete' } });
      expect(ids((await listAll(ctx, { workflowName: 'alpha', status: 'complete' })).instances)).toEqual(ids([a3, a2]));
      expect(ids((await listAll(ctx, { status: 'queued' })).instances)).toEqual(ids([b1, a1]));
      const listed = (await listAll(ctx, { workflowName: 'alpha', status: 'complete' })).instances[0];
      expect(listed).toEqual(await mustGet(ctx.store, a3));
    });

    it('an empty store lists nothing and gives no cursor', async () => {
      expect(await ctx.store.listInstances({ workflowName: 'nobody' })).toEqual({ instances: [] });
    });

    it('without a limit, pages hold at most 50 (the default) and the rest follows', async () => {
      const total = 55;
      await Promise.all(Array.from({ length: total }, (_, i) => createInstance(ctx.store, { createdAt: T0 + i })));
      const first = await ctx.store.listInstances({});
      expect(first.instances.length).toBeLessThanOrEqual(50);
      expect(first.nextCursor).toBeDefined();
      if (ctx.options.fullPages) expect(first.instances).toHaveLength(Math.min(50, ctx.options.maxPageSize));
      const { instances } = await listAll(ctx, {});
      expect(instances).toHaveLength(total);
      expect(new Set(ids(instances)).size).toBe(total);
      expectNewestFirst(instances);
    });
  });
}
