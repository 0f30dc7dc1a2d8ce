// Opening a version-1 database (before per-instance retention) upgrades it in place: old rows read back
// unchanged and without the new fields, new rows keep them, and several stores or processes opening the
// same old file at once all work (one upgrades, the others find it done).

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { build } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, SCHEMA_VERSION } from '@cairn/store-sqlite';
import { instanceRecord, tempDir } from './helpers.js';
import { createV1Database, V1_INSTANCE } from './schema-v1.js';

const OLD = { workflowName: 'WF', instanceId: 'old' };
const RETENTION_COLUMNS = ['success_retention_ms', 'error_retention_ms'];

/** The schema version `meta` records, and the instance table's columns, read with a plain connection. */
function inspect(path: string): { version: string | undefined; columns: string[] } {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
    const columns = db
      .prepare('PRAGMA table_info(instances)')
      .all()
      .map((column) => column.name as string);
    return { version: row?.value, columns };
  } finally {
    db.close();
  }
}

describe('schema migration from version 1', () => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  beforeEach(() => {
    dir = tempDir();
    path = dir.file('v1.db');
    createV1Database(path);
  });
  afterEach(() => dir.cleanup());

  it('the fixture is a version-1 database without the retention columns', () => {
    const { version, columns } = inspect(path);
    expect(version).toBe('1');
    for (const column of RETENTION_COLUMNS) expect(columns).not.toContain(column);
    expect(SCHEMA_VERSION).toBe(5);
  });

  it('upgrades in place: old rows read back without the new fields, new rows round-trip them', async () => {
    const store = createSqliteStore({ path });
    try {
      const { version, columns } = inspect(path);
      expect(version).toBe(String(SCHEMA_VERSION));
      expect(columns).toEqual(expect.arrayContaining(RETENTION_COLUMNS));
      expect(columns.filter((column) => RETENTION_COLUMNS.includes(column))).toHaveLength(2);
      expect(columns, 'version 5: dispatcher metadata and the code version').toEqual(expect.arrayContaining(['metadata', 'workflow_version']));

      const old = await store.getInstance(OLD);
      expect(old).toEqual(V1_INSTANCE);
      expect('successRetentionMs' in old! || 'errorRetentionMs' in old!).toBe(false);
      const journal = await store.loadJournal(OLD);
      expect(journal?.instance).toEqual(V1_INSTANCE);
      expect(journal?.steps.map((step) => step.id)).toEqual(['do:a-1']);

      const kept = instanceRecord('new', { successRetentionMs: 86_400_000, errorRetentionMs: 0 });
      await store.createInstance({ instance: kept });
      expect(await store.getInstance(kept)).toEqual(kept);
      const updated = await store.updateInstance({ ...kept, expectedVersion: 0, patch: { status: 'complete', expiresAt: 5_000 } });
      expect(updated).toMatchObject({ successRetentionMs: 86_400_000, errorRetentionMs: 0, status: 'complete', version: 1 });
      // An old row is still updatable, and stays without the fields.
      const oldUpdated = await store.updateInstance({ ...OLD, expectedVersion: V1_INSTANCE.version, patch: { expiresAt: null } });
      expect(oldUpdated).toEqual({ ...V1_INSTANCE, expiresAt: null, version: V1_INSTANCE.version + 1 });

      const listed = await store.listInstances({ workflowName: 'WF' });
      expect(listed.instances.map((instance) => instance.instanceId)).toEqual(['new', 'old']);
      expect(listed.instances[1]).not.toHaveProperty('successRetentionMs');
    } finally {
      await store.close();
    }

    // Reopening a current database changes nothing.
    const again = createSqliteStore({ path });
    expect(await again.getInstance({ workflowName: 'WF', instanceId: 'new' })).toMatchObject({ successRetentionMs: 86_400_000 });
    await again.close();
    expect(inspect(path).version).toBe(String(SCHEMA_VERSION));
  });

  it('two stores opened on the same old file both work', async () => {
    const first = createSqliteStore({ path });
    const second = createSqliteStore({ path });
    try {
      const a = instanceRecord('a', { successRetentionMs: 1_000 });
      const b = instanceRecord('b', { errorRetentionMs: 2_000 });
      await Promise.all([first.createInstance({ instance: a }), second.createInstance({ instance: b })]);
      for (const store of [first, second]) {
        expect(await store.getInstance(a)).toEqual(a);
        expect(await store.getInstance(b)).toEqual(b);
        expect(await store.getInstance(OLD)).toEqual(V1_INSTANCE);
      }
      expect(inspect(path).version).toBe(String(SCHEMA_VERSION));
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('several processes opening the same old file at once: one upgrades, all work', { timeout: 60_000 }, async () => {
    const childPath = join(dir.dir, 'migration-child.mjs');
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    await build({
      entryPoints: [fileURLToPath(new URL('./migration-child.ts', import.meta.url))],
      outfile: childPath,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      logLevel: 'error',
      alias: {
        '@cairn/core': join(root, 'packages/core/src/index.ts'),
        '@cairn/store-sqlite': join(root, 'adapters/store-sqlite/src/index.ts'),
      },
    });

    // Hold the write lock while the processes start: each reads version 1, then waits for the lock, so all
    // of them reach the upgrade together and all but the first must find it already done.
    const holder = new DatabaseSync(path);
    holder.exec('BEGIN IMMEDIATE');
    const ids = ['p0', 'p1', 'p2', 'p3'];
    const children = ids.map((id) => runChild(childPath, path, id));
    try {
      await Promise.all(children.map((child) => child.opening));
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }

    const results = await Promise.all(children.map((child) => child.done));
    for (const { code, output } of results) {
      expect(code, output).toBe(0);
      const result = JSON.parse(output.trim().split('\n').at(-1)!) as { written: unknown; mine: unknown; old: unknown };
      expect(result.mine).toEqual(result.written);
      expect(result.mine).toMatchObject({ successRetentionMs: 60_000, errorRetentionMs: 0 });
      expect(result.old).toEqual(V1_INSTANCE);
    }
    const { version, columns } = inspect(path);
    expect(version).toBe(String(SCHEMA_VERSION));
    expect(columns.filter((column) => RETENTION_COLUMNS.includes(column))).toHaveLength(2);
    const db = new DatabaseSync(path, { readOnly: true });
    expect(db.prepare('SELECT count(*) AS n FROM instances').get()).toEqual({ n: ids.length + 1 });
    db.close();
  });
});

/** Starts the child; `opening` resolves when it is about to open the store, `done` when it exits. */
function runChild(childPath: string, dbPath: string, instanceId: string) {
  const child = spawn(process.execPath, [childPath, dbPath, instanceId], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let announce: () => void;
  const opening = new Promise<void>((resolve) => (announce = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('opening\n')) announce();
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const done = new Promise<{ code: number | null; output: string }>((resolve) =>
    // `close`, not `exit`: by then all of its output has been read.
    child.on('close', (code) => {
      announce(); // Also when it failed before announcing, so the parent never waits forever.
      resolve({ code, output });
    }),
  );
  return { opening, done };
}
