import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CairnError, RECORD_VERSION } from '@cairn/core';
import { createSqliteStore, SCHEMA_VERSION, type SqliteStore } from '@cairn/store-sqlite';
import { instanceRecord, stepRecord, tempDir } from './helpers.js';

const REF = { workflowName: 'WF', instanceId: 'a' };

describe('createSqliteStore', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  beforeEach(() => {
    dir = tempDir();
    store = createSqliteStore({ path: dir.file() });
  });
  afterEach(async () => {
    await store.close();
    dir.cleanup();
  });

  it('creates a versioned schema in WAL mode', () => {
    const db = new DatabaseSync(dir.file());
    expect(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).toEqual({ value: String(SCHEMA_VERSION) });
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    const indexes = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'instances'")
      .all()
      .map((row) => row.name);
    expect(indexes).toEqual(expect.arrayContaining(['instances_due', 'instances_newest']));
    db.close();
  });

  it('refuses a database written by a newer schema', async () => {
    await store.close();
    const db = new DatabaseSync(dir.file());
    db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    db.close();
    let error: unknown;
    try {
      createSqliteStore({ path: dir.file() });
    } catch (caught) {
      error = caught;
    }
    expect(CairnError.is(error, 'store_error')).toBe(true);
    expect((error as Error).message).toMatch(/schema version 99/);
    store = createSqliteStore({ path: dir.file('other.db') });
  });

  it('validates options', () => {
    expect(() => createSqliteStore({ path: '' })).toThrow(/invalid option "path"/);
    expect(() => createSqliteStore({ path: dir.file(), synchronous: 'off' as never })).toThrow(/synchronous/);
  });

  it('round-trips instances and creates only if absent', async () => {
    const record = instanceRecord('a', { error: { name: 'E', message: 'm' }, wakeAt: 5 });
    await store.createInstance({ instance: record });
    expect(await store.getInstance(REF)).toEqual(record);
    await expect(store.createInstance({ instance: { ...record, status: 'running' } })).rejects.toMatchObject({ code: 'instance_already_exists' });
    expect((await store.getInstance(REF))?.status).toBe('queued');
    expect(await store.getInstance({ workflowName: 'WF', instanceId: 'nope' })).toBeNull();
  });

  it('updates by compare-and-set on version', async () => {
    await store.createInstance({ instance: instanceRecord('a') });
    const updated = await store.updateInstance({ ...REF, expectedVersion: 0, patch: { status: 'running', leaseOwner: 'me', leaseToken: 1, error: null } });
    expect(updated).toMatchObject({ status: 'running', leaseOwner: 'me', leaseToken: 1, version: 1 });
    await expect(store.updateInstance({ ...REF, expectedVersion: 0, patch: { status: 'complete' } })).rejects.toMatchObject({ code: 'version_conflict' });
    expect((await store.getInstance(REF))?.status).toBe('running');
    await expect(store.updateInstance({ workflowName: 'WF', instanceId: 'x', expectedVersion: 0, patch: {} })).rejects.toMatchObject({
      code: 'instance_not_found',
    });
    const empty = await store.updateInstance({ ...REF, expectedVersion: 1, patch: {} });
    expect(empty.version).toBe(2);
  });

  it('fences step writes and keeps the first record', async () => {
    await store.createInstance({ instance: instanceRecord('a') });
    await expect(store.recordStep({ ...REF, leaseToken: 0, step: stepRecord('do:x-1') })).rejects.toMatchObject({ code: 'lease_lost' });
    await store.updateInstance({ ...REF, expectedVersion: 0, patch: { leaseOwner: 'me', leaseToken: 1 } });
    await expect(store.recordStep({ ...REF, leaseToken: 0, step: stepRecord('do:x-1') })).rejects.toMatchObject({ code: 'lease_lost' });
    expect(await store.recordStep({ ...REF, leaseToken: 1, step: stepRecord('do:x-1', { value: '"first"' }) })).toEqual({ recorded: true });
    const again = await store.recordStep({ ...REF, leaseToken: 1, step: stepRecord('do:x-1', { value: '"second"' }) });
    expect(again).toEqual({ recorded: false, existing: stepRecord('do:x-1', { value: '"first"' }) });
    await expect(store.recordStep({ workflowName: 'WF', instanceId: 'x', leaseToken: 1, step: stepRecord('do:x-1') })).rejects.toMatchObject({
      code: 'instance_not_found',
    });
  });

  it('loads the current generation in recording order with events in id order', async () => {
    await store.createInstance({ instance: instanceRecord('a', { leaseOwner: 'me', leaseToken: 1 }) });
    await store.recordStep({ ...REF, leaseToken: 1, step: stepRecord('do:b-1', { recordedAt: 3 }) });
    await store.recordStep({ ...REF, leaseToken: 1, step: stepRecord('do:a-1', { recordedAt: 3 }) });
    await store.recordStep({ ...REF, leaseToken: 1, step: stepRecord('do:z-1', { recordedAt: 1 }) });
    await store.appendEvent({ ...REF, event: { v: RECORD_VERSION, id: 'b', type: 't', payload: '1', timestamp: 1 } });
    const after = await store.appendEvent({ ...REF, event: { v: RECORD_VERSION, id: 'a', type: 't', payload: '2', timestamp: 2 } });
    expect(after).toMatchObject({ eventSeq: 2, version: 2 });
    const journal = await store.loadJournal(REF);
    expect(journal?.steps.map((step) => step.id)).toEqual(['do:z-1', 'do:a-1', 'do:b-1']);
    expect(journal?.events.map((event) => event.id)).toEqual(['a', 'b']);
    expect(journal?.instance.version).toBe(2);

    // A restart: a new generation; the old steps are gone.
    await store.updateInstance({ ...REF, expectedVersion: 2, patch: { generation: 1, leaseToken: 2 } });
    await store.recordStep({ ...REF, leaseToken: 2, step: stepRecord('do:a-1', { generation: 1 }) });
    const restarted = await store.loadJournal(REF);
    expect(restarted?.steps.map((step) => [step.generation, step.id])).toEqual([[1, 'do:a-1']]);
    const db = new DatabaseSync(dir.file());
    expect(db.prepare('SELECT count(*) AS n FROM steps').get()).toEqual({ n: 1 });
    db.close();
    expect(await store.loadJournal({ workflowName: 'WF', instanceId: 'x' })).toBeNull();
    await expect(
      store.appendEvent({ workflowName: 'WF', instanceId: 'x', event: { v: 1, id: 'c', type: 't', payload: '1', timestamp: 1 } }),
    ).rejects.toMatchObject({ code: 'instance_not_found' });
  });

  it('lists due instances earliest first', async () => {
    await store.createInstance({ instance: instanceRecord('late', { wakeAt: 30 }) });
    await store.createInstance({ instance: instanceRecord('early', { wakeAt: 10 }) });
    await store.createInstance({ instance: instanceRecord('future', { wakeAt: 1_000 }) });
    await store.createInstance({ instance: instanceRecord('never') });
    expect(await store.listDueInstances({ now: 100, limit: 10 })).toEqual([
      { workflowName: 'WF', instanceId: 'early', wakeAt: 10 },
      { workflowName: 'WF', instanceId: 'late', wakeAt: 30 },
    ]);
    expect(await store.listDueInstances({ now: 100, limit: 1 })).toHaveLength(1);
  });

  it('pages newest first, filtered, each instance once', async () => {
    for (let i = 0; i < 25; i++) {
      await store.createInstance({
        instance: instanceRecord(`i${String(i).padStart(2, '0')}`, {
          workflowName: i % 2 ? 'ODD' : 'EVEN',
          createdAt: Math.floor(i / 3),
          status: i % 5 === 0 ? 'complete' : 'queued',
        }),
      });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listInstances({ limit: 4, ...(cursor ? { cursor } : {}) });
      seen.push(...page.instances.map((instance) => instance.instanceId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect(seen[0]).toBe('i24');
    const odd = await store.listInstances({ workflowName: 'ODD', limit: 100 });
    expect(odd.instances).toHaveLength(12);
    expect(odd.nextCursor).toBeUndefined();
    const done = await store.listInstances({ workflowName: 'EVEN', status: 'complete' });
    expect(done.instances.map((instance) => instance.instanceId)).toEqual(['i20', 'i10', 'i00']);
    await expect(store.listInstances({ cursor: 'garbage' })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('wraps SQLite failures and a closed store in AdapterError', async () => {
    await store.createInstance({ instance: instanceRecord('a') });
    const db = new DatabaseSync(dir.file());
    db.prepare("UPDATE instances SET status = 'bogus'").run();
    db.close();
    // A row that does not parse fails loudly.
    await expect(store.getInstance(REF)).rejects.toThrow();
    await store.close();
    const error = await store.getInstance(REF).catch((caught: unknown) => caught);
    expect(CairnError.is(error, 'store_error')).toBe(true);
    expect((error as Error).message).toMatch(/\[sqlite\] getInstance: the store is closed/);
    store = createSqliteStore({ path: dir.file() });
    const locked = new DatabaseSync(dir.file());
    locked.exec('BEGIN IMMEDIATE');
    const busy = createSqliteStore({ path: dir.file(), busyTimeoutMs: 0 });
    const failure = await busy.createInstance({ instance: instanceRecord('b') }).catch((caught: unknown) => caught);
    locked.exec('ROLLBACK');
    locked.close();
    await busy.close();
    expect(failure).toMatchObject({ name: 'AdapterError', adapter: 'sqlite', operation: 'createInstance' });
    expect((failure as Error).cause).toBeInstanceOf(Error);
  });
});
