// Two Node hosts and a client process on one PostgreSQL, sharing wake-ups through createPostgresScheduler
// (LISTEN/NOTIFY). The hosts poll the due index once a minute only, so whatever runs sooner was delivered by the
// scheduler: a client's wake-up claimed and run by one host, an event reaching a wait held in place on a host,
// and wake-ups delivered again after the LISTEN connection was cut.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, InvalidOptionsError, WorkflowEntrypoint, type Runtime, type WorkflowEvent, type WorkflowStep, type WorkflowStore } from '@cairn/core';
import { createNodeHost, type NodeHost } from '@cairn/host-node';
import { createPostgresScheduler, createPostgresStore } from '@cairn/store-postgres';
import { startLocalPostgres, type LocalPostgres } from '../emulators/postgres.js';

interface Env {
  ran(host: string, instanceId: string): void;
  host: string;
}

class Greet extends WorkflowEntrypoint<Env, { name: string }> {
  async run(event: WorkflowEvent<{ name: string }>, step: WorkflowStep) {
    return step.do('greet', async () => {
      this.env.ran(this.env.host, event.instanceId);
      return `hello ${event.payload.name}`;
    });
  }
}

class Approve extends WorkflowEntrypoint<Env> {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    // 30 s: held in place on the host (its in-process waits go up to a minute).
    const approval = await step.waitForEvent<{ by: string }>('approval', { type: 'approval', timeout: '30 seconds' });
    return approval.payload.by;
  }
}

const workflows = { GREET: Greet, APPROVE: Approve };
let server: LocalPostgres;
const pools: pg.Pool[] = [];
const hosts: NodeHost[] = [];
const runs: Array<[string, string]> = [];
let client: Runtime;
/** Journal loads by the hosts, per instance: a replay starts with one, so a second is a host that raced for it. */
const loads = new Map<string, number>();

function counted(store: WorkflowStore): WorkflowStore {
  return {
    ...store,
    loadJournal(ref) {
      loads.set(ref.instanceId, (loads.get(ref.instanceId) ?? 0) + 1);
      return store.loadJournal(ref);
    },
  };
}

function pool(): pg.Pool {
  const made = new pg.Pool({ host: server.host, port: server.port, user: server.user, database: server.database, max: 6 });
  made.on('error', () => undefined);
  pools.push(made);
  return made;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const output = (workflow: string, id: string) => async () => {
  const status = await (await client.workflow(workflow).get(id)).status();
  return status.status === 'complete' ? status.output : undefined;
};

beforeAll(async () => {
  server = await startLocalPostgres();
  await createPostgresStore({ pool: pool() }).migrate();
  for (const name of ['a', 'b']) {
    const shared = pool();
    const host = createNodeHost({
      store: counted(createPostgresStore({ pool: shared })),
      scheduler: createPostgresScheduler({ pool: shared, onError: () => undefined }),
      workflows,
      env: { host: name, ran: (host: string, id: string) => void runs.push([host, id]) },
      pollIntervalMs: 60_000,
      handleSignals: false,
    });
    await host.start();
    hosts.push(host);
  }
  const shared = pool();
  client = createRuntime({ store: createPostgresStore({ pool: shared }), scheduler: createPostgresScheduler({ pool: shared }), workflows });
});

afterAll(async () => {
  await Promise.all(hosts.map((host) => host.stop()));
  await client?.close();
  await Promise.all(pools.map((made) => made.end()));
  await server?.stop();
});

describe('createPostgresScheduler with Node hosts', () => {
  it('a wake-up a client schedules is claimed by one host and run at once (the poll is a minute away)', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `greet-${i}`);
    await Promise.all(ids.map((id) => client.workflow('GREET').create({ id, params: { name: id } })));
    for (const id of ids) expect(await until(id, output('GREET', id), 5_000)).toBe(`hello ${id}`);
    // One host took each: every body ran once, and no host loaded a journal another host had claimed.
    const ran = runs.filter(([, id]) => ids.includes(id));
    expect(ran).toHaveLength(ids.length);
    expect(ids.map((id) => loads.get(id))).toEqual(ids.map(() => 1));
  });

  it('an event a client sends reaches the wait a host holds in place, at once rather than at the wait’s end', async () => {
    const instance = await client.workflow('APPROVE').create({ id: 'approve-1' });
    await until('waiting', async () => ((await instance.status()).status === 'waiting' ? true : undefined), 5_000);
    const sent = Date.now();
    await instance.sendEvent({ type: 'approval', payload: { by: 'ops' } });
    expect(await until('approved', output('APPROVE', 'approve-1'), 5_000)).toBe('ops');
    expect(Date.now() - sent).toBeLessThan(5_000);
  });

  it('a LISTEN connection cut by the server is replaced, and wake-ups are delivered again', async () => {
    const admin = pool();
    const cut = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' OR query = 'SELECT 1'");
    expect(cut.rowCount).toBeGreaterThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await client.workflow('GREET').create({ id: 'after-cut', params: { name: 'again' } });
    expect(await until('after-cut', output('GREET', 'after-cut'), 8_000)).toBe('hello again');
  });

  it('hosts polling one store claim disjoint due instances: each is loaded by one host only', async () => {
    const schema = 'polled';
    await createPostgresStore({ pool: pool(), schema }).migrate();
    const polled: NodeHost[] = [];
    for (const name of ['c', 'd']) {
      const host = createNodeHost({
        store: counted(createPostgresStore({ pool: pool(), schema })),
        workflows,
        env: { host: name, ran: (host: string, id: string) => void runs.push([host, id]) },
        pollIntervalMs: 10,
        // Long enough that no claim ends before its host takes the lease, even on a loaded machine.
        claimMs: 5_000,
        handleSignals: false,
      });
      await host.start();
      polled.push(host);
    }
    // Wake-ups go nowhere: only the hosts' polls find the new instances.
    const writer = createRuntime({
      store: createPostgresStore({ pool: pool(), schema }),
      scheduler: { name: 'none', schedule: async () => undefined },
      workflows,
    });
    const ids = Array.from({ length: 40 }, (_, i) => `polled-${i}`);
    await Promise.all(ids.map((id) => writer.workflow('GREET').create({ id, params: { name: id } })));
    const done = async () => {
      const page = await writer.store.listInstances({ workflowName: 'GREET', status: 'complete', limit: 100 });
      return page.instances.filter((instance) => ids.includes(instance.instanceId)).length === ids.length ? true : undefined;
    };
    await until('all polled instances complete', done, 10_000);
    await Promise.all(polled.map((host) => host.stop()));
    await writer.close();
    expect(ids.map((id) => loads.get(id))).toEqual(ids.map(() => 1));
  });

  it('bad options are typed errors naming the option', () => {
    const bad = (work: () => unknown) => {
      try {
        work();
      } catch (error) {
        return error instanceof InvalidOptionsError ? error.option : `other: ${String(error)}`;
      }
      return 'no error';
    };
    expect(bad(() => createPostgresScheduler({ pool: {} as pg.Pool }))).toBe('pool');
    expect(bad(() => createPostgresScheduler({ pool: pool(), channel: 'Bad-Name' }))).toBe('channel');
    expect(
      bad(() => createNodeHost({ store: createPostgresStore({ pool: pool() }), workflows, scheduler: { name: 'x', schedule: async () => undefined } })),
    ).toBe('scheduler');
  });
});
