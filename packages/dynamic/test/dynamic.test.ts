// Cloudflare's dispatcher, ported with its imports changed, runs two tenants' workflows on memory and SQLite; the
// wrapped binding is scoped to its tenant; the tenant's payload is exactly its params; each instance is pinned to
// the code version that started it, across a process restart.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CairnError, createMemoryStore, deserialize, type Runtime, type WorkflowInstance, type WorkflowStore } from '@cairn/core';
import { createSqliteStore } from '@cairn/store-sqlite';
import { wrapWorkflowBinding } from '@cairn/dynamic';
import { greeter, startDispatcher } from './dispatcher.js';

const runtimes: Runtime[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function settled(instance: WorkflowInstance, wanted: string[] = ['complete', 'errored']) {
  const until = Date.now() + 10_000;
  for (;;) {
    const status = await instance.status();
    if (wanted.includes(status.status)) return status;
    if (Date.now() > until) throw new Error(`${instance.id} stayed ${status.status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const stores: Array<[string, () => WorkflowStore]> = [
  ['memory', () => createMemoryStore()],
  [
    'SQLite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'cairn-dynamic-'));
      dirs.push(dir);
      return createSqliteStore({ path: join(dir, 'cairn.db') });
    },
  ],
];

for (const [storeName, makeStore] of stores) {
  describe(`the dispatcher on ${storeName}`, () => {
    it("runs two tenants' own code to complete; each tenant's event.payload is exactly its params", async () => {
      const dispatcher = startDispatcher({
        store: makeStore(),
        code: { acme: { v1: greeter('Hello') }, globex: { v1: greeter('Bonjour') } },
        current: { acme: 'v1', globex: 'v1' },
      });
      runtimes.push(dispatcher.runtime);
      const a = await dispatcher.bindingFor('acme').create({ params: { name: 'Ada' } });
      const g = await dispatcher.bindingFor('globex').create({ params: { name: 'Grace' } });
      expect(await settled(a)).toMatchObject({ status: 'complete', output: { line: 'Hello, Ada!', payload: { name: 'Ada' } }, version: 'v1' });
      expect(await settled(g)).toMatchObject({ status: 'complete', output: { line: 'Bonjour, Grace!', payload: { name: 'Grace' } } });
      // The metadata is stored beside the params, not inside them.
      const stored = await dispatcher.runtime.store.getInstance({ workflowName: 'WORKFLOWS', instanceId: a.id });
      expect(deserialize(stored!.params)).toEqual({ name: 'Ada' });
      expect(deserialize(stored!.metadata!)).toEqual({ tenantId: 'acme' });
      expect(JSON.stringify(await a.status())).not.toContain('acme');
    });
  });
}

describe('tenant scoping', () => {
  it("every binding call on another tenant's instance is not found; an id another tenant holds is refused as taken", async () => {
    const dispatcher = startDispatcher({
      store: createMemoryStore(),
      code: { acme: { v1: greeter('Hi') }, globex: { v1: greeter('Hi') } },
      current: { acme: 'v1', globex: 'v1' },
    });
    runtimes.push(dispatcher.runtime);
    const acme = dispatcher.bindingFor('acme');
    const globex = dispatcher.bindingFor('globex');
    const theirs = await globex.create({ id: 'globex-1', params: { name: 'G', wait: true } });
    await settled(theirs, ['waiting']);
    const notFound = (error: unknown) => CairnError.is(error, 'instance_not_found');
    expect(notFound(await acme.get('globex-1').catch((error: unknown) => error))).toBe(true);
    expect(await acme.deleteBatch(['globex-1'])).toMatchObject({ deleted: [], errors: [{ id: 'globex-1', code: 'instance_not_found' }] });
    const taken = await acme.create({ id: 'globex-1', params: { name: 'A' } }).catch((error: unknown) => error);
    expect(CairnError.is(taken, 'instance_already_exists')).toBe(true);
    // Their instance is untouched, and their own binding still drives it.
    const own = await globex.get('globex-1');
    await own.sendEvent({ type: 'approve', payload: 'yes' });
    expect(await settled(own)).toMatchObject({ status: 'complete', output: { approved: 'yes' } });
    // Metadata equal in another key order is the same tenant.
    const mine = await wrapWorkflowBinding({ region: 'eu', tenantId: 'acme' }, { runtime: dispatcher.runtime }).create({ id: 'acme-1', params: { name: 'A' } });
    expect((await wrapWorkflowBinding({ tenantId: 'acme', region: 'eu' }, { runtime: dispatcher.runtime }).get(mine.id)).id).toBe('acme-1');
    expect(notFound(await acme.get('acme-1').catch((error: unknown) => error)), 'other metadata, another scope').toBe(true);
  });

  it('an instance created on the raw binding fails with MissingDispatcherMetadataError, as on Cloudflare', async () => {
    const dispatcher = startDispatcher({ store: createMemoryStore(), code: {}, current: {} });
    runtimes.push(dispatcher.runtime);
    const raw = await dispatcher.runtime.workflow('WORKFLOWS').create({ params: { name: 'x' } });
    expect(await settled(raw)).toMatchObject({ status: 'errored', error: { name: 'MissingDispatcherMetadataError' } });
  });
});

describe('versions, pinned', () => {
  it('a tenant edits its code while an instance waits: the old one finishes on its version after a restart, new ones use the new one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-dynamic-pin-'));
    dirs.push(dir);
    const path = join(dir, 'cairn.db');
    const code: Record<string, Record<string, string>> = { acme: { v1: greeter('Hello') } };
    const first = startDispatcher({ store: createSqliteStore({ path }), code, current: { acme: 'v1' } });
    const old = await first.bindingFor('acme').create({ id: 'old', params: { name: 'Ada', wait: true } });
    await settled(old, ['waiting']);
    await first.runtime.close();

    // The edit: v2 is uploaded and made current, in a new process.
    code.acme!.v2 = greeter('Howdy');
    const second = startDispatcher({ store: createSqliteStore({ path }), code, current: { acme: 'v2' } });
    runtimes.push(second.runtime);
    const fresh = await second.bindingFor('acme').create({ id: 'new', params: { name: 'Bob' } });
    await (await second.bindingFor('acme').get('old')).sendEvent({ type: 'approve', payload: 'ok' });
    expect(await settled(await second.bindingFor('acme').get('old'))).toMatchObject({ output: { line: 'Hello, Ada!', approved: 'ok' }, version: 'v1' });
    expect(await settled(fresh)).toMatchObject({ output: { line: 'Howdy, Bob!' }, version: 'v2' });
    expect(second.loads).toEqual(
      expect.arrayContaining([
        { tenant: 'acme', version: 'v1' },
        { tenant: 'acme', version: 'v2' },
      ]),
    );
  });

  it('a loader without the pinned version leaves the instance untouched and reports a typed error', async () => {
    const errors: unknown[] = [];
    const code: Record<string, Record<string, string>> = { acme: { v1: greeter('Hello') } };
    const store = createMemoryStore();
    const first = startDispatcher({ store, code, current: { acme: 'v1' } });
    const pinned = await first.bindingFor('acme').create({ id: 'pinned', params: { name: 'Ada', wait: true } });
    await settled(pinned, ['waiting']);
    await first.runtime.close();
    const ref = { workflowName: 'WORKFLOWS', instanceId: 'pinned' };
    const before = (await store.loadJournal(ref))!;

    delete code.acme!.v1;
    code.acme!.v2 = greeter('Howdy');
    const second = startDispatcher({ store, code, current: { acme: 'v2' }, options: { onError: (error) => errors.push(error) } });
    runtimes.push(second.runtime);
    await (await second.bindingFor('acme').get('pinned')).sendEvent({ type: 'approve', payload: 'ok' });
    const until = Date.now() + 5_000;
    while (errors.length === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(CairnError.is(errors[0], 'workflow_version_unavailable')).toBe(true);
    const after = (await store.loadJournal(ref))!;
    expect(after.steps).toEqual(before.steps);
    expect(after.instance).toMatchObject({ workflowVersion: 'v1', leaseOwner: null });
    expect(['waiting', 'queued']).toContain(after.instance.status);
  });

  it("restart({ version: 'current' }) moves a dynamic instance to the tenant's current code", async () => {
    const code: Record<string, Record<string, string>> = { acme: { v1: greeter('Hello'), v2: greeter('Howdy') } };
    const current = { acme: 'v1' };
    const dispatcher = startDispatcher({ store: createMemoryStore(), code, current });
    runtimes.push(dispatcher.runtime);
    const instance = await dispatcher.bindingFor('acme').create({ params: { name: 'Ada' } });
    expect(await settled(instance)).toMatchObject({ output: { line: 'Hello, Ada!' }, version: 'v1' });
    current.acme = 'v2';
    await instance.restart({ version: 'current' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await settled(instance)).toMatchObject({ output: { line: 'Howdy, Ada!' }, version: 'v2' });
  });
});
