// migrate(): processes migrating one empty database at once all succeed and leave one schema at the latest
// version (the advisory lock queues them; the later ones find nothing to do); an old schema is upgraded in place
// with its data kept; a schema newer than the package is refused; a store used before migrate() says so.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CairnError } from '@cairn/core';
import { SCHEMA_VERSION, createPostgresStore } from '@cairn/store-postgres';
import { migrateTo } from '../src/migrations.js';
import { startLocalPostgres, type LocalPostgres } from '../../../test/emulators/postgres.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cairn-pg-migrate-'));
const childPath = join(dir, 'migrate-child.mjs');
let server: LocalPostgres;
let pool: pg.Pool;

beforeAll(async () => {
  server = await startLocalPostgres();
  pool = new pg.Pool({ host: server.host, port: server.port, user: server.user, database: server.database, max: 4 });
  // Bundled from the sources (pg too; its optional native binding left out), so the children run without building any package.
  await build({
    entryPoints: [fileURLToPath(new URL('./migrate-child.ts', import.meta.url))],
    outfile: childPath,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'error',
    external: ['pg-native'],
    // pg is CommonJS: a require() shim for the bundle.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    alias: {
      '@cairn/core': join(root, 'packages/core/src/index.ts'),
      '@cairn/store-postgres': join(root, 'adapters/store-postgres/src/index.ts'),
    },
  });
});

afterAll(async () => {
  await pool?.end();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function runChild(url: string, schema: string, startAt: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childPath, url, schema, String(startAt)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`migrate child exited ${code}: ${out}`))));
  });
}

describe('migrate()', () => {
  it('four processes migrating one empty database at once: all succeed, one of them creates the schema', async () => {
    const database = await server.createDatabase('race');
    const url = `postgres://${server.user}@${server.host}:${server.port}/${database}`;
    const startAt = Date.now() + 2_000;
    const results = (await Promise.all([0, 1, 2, 3].map(() => runChild(url, 'cairn', startAt)))).map(
      (line) => JSON.parse(line) as { from: number | null; to: number },
    );
    expect(results.filter((result) => result.from === null)).toHaveLength(1);
    expect(results.every((result) => result.to === SCHEMA_VERSION)).toBe(true);
    const check = new pg.Pool({ connectionString: url, max: 1 });
    const { rows } = await check.query("SELECT value FROM cairn.meta WHERE key = 'schema_version'");
    expect(rows).toEqual([{ value: String(SCHEMA_VERSION) }]);
    await check.end();
  });

  it('an old schema is upgraded in place: its instances are kept, and what the new version adds works', async () => {
    await migrateTo(pool, 'old_schema', 1);
    const store = createPostgresStore({ pool, schema: 'old_schema' });
    const instance = {
      v: 1 as const,
      workflowName: 'W',
      instanceId: 'kept',
      status: 'queued' as const,
      params: '{}',
      output: null,
      error: null,
      createdAt: 1,
      updatedAt: 1,
      finishedAt: null,
      version: 0,
      generation: 0,
      leaseOwner: null,
      leaseToken: 0,
      leaseExpiresAt: null,
      wakeAt: null,
      wakeSeq: 0,
      eventSeq: 0,
      pausedAt: null,
      pausedTotalMs: 0,
      recoveries: 0,
      expiresAt: null,
    };
    await store.createInstance({ instance });
    // Version 1 has no nonce table: a claim fails until the upgrade.
    await expect(store.claimNonce!({ key: 'k', expiresAt: 10, now: 1 })).rejects.toThrow(/migrate/);
    expect(await store.migrate()).toEqual({ from: 1, to: SCHEMA_VERSION });
    expect(await store.getInstance({ workflowName: 'W', instanceId: 'kept' })).toEqual(instance);
    expect(await store.claimNonce!({ key: 'k', expiresAt: 10, now: 1 })).toBe(true);
    // Again: nothing to do.
    expect(await store.migrate()).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
  });

  it('a schema newer than this package is refused, typed, and left as it is', async () => {
    await createPostgresStore({ pool, schema: 'future' }).migrate();
    await pool.query("UPDATE future.meta SET value = '99' WHERE key = 'schema_version'");
    const error = await createPostgresStore({ pool, schema: 'future' })
      .migrate()
      .catch((e: unknown) => e);
    expect(CairnError.is(error, 'store_error')).toBe(true);
    expect(String((error as Error).message)).toMatch(/version 99, newer than this @cairn\/store-postgres supports/);
  });

  it('a store used before migrate() fails typed, naming the fix', async () => {
    const error = await createPostgresStore({ pool, schema: 'never_migrated' })
      .getInstance({ workflowName: 'W', instanceId: 'x' })
      .catch((e: unknown) => e);
    expect(CairnError.is(error, 'store_error')).toBe(true);
    expect((error as { option?: string }).option).toBe('schema');
    expect(String((error as Error).message)).toMatch(/run store.migrate\(\)/);
  });
});
