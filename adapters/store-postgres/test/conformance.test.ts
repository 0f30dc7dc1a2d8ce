// The shared WorkflowStore contract on a real PostgreSQL server (Debian's, started for this file on a private
// port and data directory): a fresh schema per test, migrated by the store's own migrate(). The store talks to
// the server through a wire-level fault proxy, so a lost answer is a real one: the statement ran and committed,
// then the connection was cut before its answer arrived.

import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { describeStoreConformance } from '@cairn/testkit';
import { createPostgresStore } from '@cairn/store-postgres';
import { startLocalPostgres, type LocalPostgres } from '../../../test/emulators/postgres.js';
import { startPgFaultProxy, type PgFaultProxy } from '../../../test/support/pg-fault-proxy.js';

let server: LocalPostgres;
let proxy: PgFaultProxy;
let direct: pg.Pool;
let proxied: pg.Pool;
let schemas = 0;

beforeAll(async () => {
  server = await startLocalPostgres();
  proxy = await startPgFaultProxy({ host: server.host, port: server.port });
  direct = new pg.Pool({ host: server.host, port: server.port, user: server.user, database: server.database, max: 4 });
  proxied = new pg.Pool({ host: '127.0.0.1', port: proxy.port, user: server.user, database: server.database, max: 24 });
  // A connection the proxy cut is an error on an idle client too: the pool drops it, and the store retries.
  proxied.on('error', () => undefined);
});

afterAll(async () => {
  await proxied?.end();
  await direct?.end();
  await proxy?.close();
  await server?.stop();
});

describeStoreConformance(
  'postgres',
  async () => {
    const schema = `conformance_${process.pid}_${schemas++}`;
    const store = createPostgresStore({ pool: proxied, schema });
    await store.migrate();
    return {
      store,
      faults: proxy,
      async reopen() {
        await store.close();
        return createPostgresStore({ pool: proxied, schema });
      },
      async corrupt(ref) {
        await direct.query(`UPDATE ${schema}.instances SET status = 'not-a-status' WHERE workflow_name = $1 AND instance_id = $2`, [
          ref.workflowName,
          ref.instanceId,
        ]);
      },
      async cleanup() {
        proxy.heal();
        await store.close();
        await direct.query(`DROP SCHEMA ${schema} CASCADE`);
      },
    };
  },
  {
    timeoutMs: 60_000,
    // A port nothing listens on (9, discard, closed here): every call must fail typed.
    unreachableStore: () =>
      createPostgresStore({
        pool: new pg.Pool({ host: '127.0.0.1', port: 9, user: 'cairn', connectionTimeoutMillis: 1_000 }),
        maxAttempts: 2,
      }),
  },
);
