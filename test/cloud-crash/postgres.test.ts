// A fleet on one PostgreSQL: four runner processes (Node hosts sharing wake-ups through createPostgresScheduler,
// each claiming due instances with FOR UPDATE SKIP LOCKED), every connection through a wire-level proxy that
// loses answers after the server committed, killed with SIGKILL over and over while a client (on the same
// scheduler: its wake-ups reach the runners by NOTIFY) creates 200 instances and sends their approvals.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createPostgresScheduler, createPostgresStore } from '@cairn/store-postgres';
import { startLocalPostgres, type LocalPostgres } from '../emulators/postgres.js';
import { startPgFaultProxy, type PgFaultProxy } from '../support/pg-fault-proxy.js';
import { kill, prepareRunners, type Runners } from './runners.js';
import { runCrashScenario } from './scenario.js';
import { WORKFLOW } from './payment.js';

const RUNNERS = 4;
const INSTANCES = 200;
const KILLS = 30;
const POLL_MS = 250;
/**
 * Past its due time plus one poll, what a due instance may also wait on 2 cores shared by four runners, the
 * server, the client and a replacement runner starting after each kill: a claim its host died holding (250 ms),
 * a statement whose answer the proxy lost, retried with backoff, and event-loop lag.
 */
const ALLOWANCE_MS = 750;

const dir = mkdtempSync(join(tmpdir(), 'cairn-postgres-crash-'));
let server: LocalPostgres;
let proxy: PgFaultProxy;
let direct: pg.Pool;
let client: pg.Pool;
let runners: Runners;

beforeAll(async () => {
  server = await startLocalPostgres();
  direct = new pg.Pool({ connectionString: server.url, max: 4 });
  await createPostgresStore({ pool: direct }).migrate();
  proxy = await startPgFaultProxy({ host: server.host, port: server.port, loseRate: 0.005 });
  const proxied = `postgres://${server.user}@127.0.0.1:${proxy.port}/${server.database}`;
  client = new pg.Pool({ connectionString: proxied, max: 8 });
  client.on('error', () => undefined);
  runners = await prepareRunners(dir, 'postgres', [proxied]);
}, 120_000);

afterAll(async () => {
  await Promise.all([...(runners?.alive ?? [])].map((child) => kill(child, 'SIGKILL')));
  await client?.end();
  await direct?.end();
  await proxy?.close();
  await server?.stop();
  runners?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('a fleet of Node hosts on PostgreSQL, runners under SIGKILL', () => {
  it(`${INSTANCES} instances, ${RUNNERS} runners, ${KILLS} kills: none lost or stuck, one outcome per step, one event per approval`, { timeout: 600_000 }, () =>
    runCrashScenario({
      label: 'postgres',
      isolated: true,
      dir,
      runners,
      runnerCount: RUNNERS,
      instances: INSTANCES,
      kills: KILLS,
      killEveryMs: [600, 1_500],
      sweepMs: POLL_MS,
      faultAllowanceMs: ALLOWANCE_MS,
      store: createPostgresStore({ pool: direct }),
      clientStore: createPostgresStore({ pool: client, onError: () => undefined }),
      clientScheduler: createPostgresScheduler({ pool: client, onError: () => undefined }),
      storedEvents: async (instanceId) =>
        (await direct.query<{ n: number }>('SELECT count(*)::int AS n FROM cairn.events WHERE workflow_name = $1 AND instance_id = $2', [WORKFLOW, instanceId]))
          .rows[0]!.n,
      faults: () => ({ requests: proxy.stats.requests, lost: proxy.stats.lost }),
    }),
  );
});
