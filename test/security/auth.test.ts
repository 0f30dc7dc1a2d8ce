// The auth suite: bad credentials of every kind against the Cloud Run host (Google-signed OIDC tokens and request
// signatures) and the Node host's server (request signatures, across two processes and a restart). Every one is
// refused with 401 (403 for a valid identity on a route it is not allowed), and nothing changes.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore, createRuntime, signRequest, WorkflowEntrypoint, type Runtime, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createCloudRunHandler } from '@cairn/host-cloud-run';
import { createSqliteStore } from '@cairn/store-sqlite';
import { createOidcSigner } from '../gcp/oidc-signer.js';
import { badSignatures, badTokens, type BadCredential, type Signed } from './credentials.js';

const SERVICE = 'https://orders-abc-uc.a.run.app';
const TASKS_SA = 'cairn-tasks@demo-cairn.iam.gserviceaccount.com';
const SECRET = 'auth-suite-secret-0123456789abcdef0123456789';
const root = fileURLToPath(new URL('../../', import.meta.url));

class Parked extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.waitForEvent('approval', { type: 'approval', timeout: '1 day' });
  }
}

/** What an attacker would like to do: each request changes something if let in. */
function attempts(id: string): Signed[] {
  const json = (value: unknown) => JSON.stringify(value);
  return [
    { method: 'POST', path: '/workflows/PARKED/instances', text: json({ id: `intruder-${Math.random().toString(36).slice(2, 8)}` }) },
    { method: 'POST', path: `/workflows/PARKED/instances/${id}/events`, text: json({ type: 'approval', payload: { by: 'mallory' } }) },
    { method: 'POST', path: `/workflows/PARKED/instances/${id}/terminate`, text: json({}) },
    { method: 'DELETE', path: `/workflows/PARKED/instances/${id}`, text: undefined },
    { method: 'GET', path: `/workflows/PARKED/instances/${id}`, text: undefined },
    { method: 'POST', path: '/_cairn/wake', text: json({ kind: 'cairn.wake', workflowName: 'PARKED', instanceId: id, wakeSeq: 0, wakeAt: 0 }) },
    { method: 'POST', path: '/_cairn/sweep', text: undefined },
  ];
}

async function snapshot(runtime: Pick<Runtime, 'store'>) {
  const { instances } = await runtime.store.listInstances({ limit: 100 });
  return Promise.all(instances.map((instance) => runtime.store.loadJournal(instance)));
}

type Send = (request: Signed, headers: Record<string, string>) => Promise<Response>;

/** Tries every credential on every attempt: all refused with a typed body, the store unchanged. */
async function expectAllRefused(send: Send, runtime: Pick<Runtime, 'store'>, credentials: BadCredential[], id: string): Promise<number> {
  const before = await snapshot(runtime);
  let requests = 0;
  for (const credential of credentials) {
    for (const attempt of attempts(id)) {
      const built = credential.build(attempt);
      if (!built) continue;
      const { headers, request } = built;
      const response = await send({ ...attempt, ...request }, { ...(attempt.text === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
      requests++;
      expect([401, 403], `${credential.name}: ${attempt.method} ${attempt.path} answered ${response.status}`).toContain(response.status);
      const body = (await response.json()) as { error?: { code?: string } };
      expect(['unauthenticated', 'forbidden'], credential.name).toContain(body.error?.code);
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await snapshot(runtime)).toEqual(before);
  return requests;
}

const tried = { credentials: 0, requests: 0 };

/** Waits until the instance sleeps at its wait, so that nothing but a request could change it. */
async function parkedAtItsWait(runtime: Pick<Runtime, 'store'>, instanceId: string): Promise<void> {
  const until = Date.now() + 10_000;
  while ((await runtime.store.getInstance({ workflowName: 'PARKED', instanceId }))?.status !== 'waiting') {
    if (Date.now() > until) throw new Error(`${instanceId} never reached its wait`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the Cloud Run host refuses bad credentials', () => {
  const signer = createOidcSigner();
  const runtime = createRuntime({ store: createMemoryStore(), workflows: { PARKED: Parked }, maxInProcessWaitMs: 0 });
  const handler = createCloudRunHandler({
    runtime,
    auth: { oidc: { client: new OAuth2Client(), audience: SERVICE, certs: () => signer.certs(), serviceAccounts: [TASKS_SA] }, hmac: { secrets: [SECRET] } },
    onAuthFailure: () => undefined,
  });
  const send: Send = (request, headers) => handler.fetch(new Request(`${SERVICE}${request.path}`, { method: request.method, body: request.text, headers }));
  const signed = (request: Signed) =>
    send(request, { 'content-type': 'application/json', ...signRequest({ secret: SECRET, method: request.method, url: request.path, body: request.text }) });
  let id: string;

  beforeAll(async () => {
    id = 'parked-1';
    const created = await signed({ method: 'POST', path: '/workflows/PARKED/instances', text: JSON.stringify({ id }) });
    expect(created.status).toBe(201);
    await parkedAtItsWait(runtime, id);
  });
  afterAll(() => runtime.close());

  it('bad bearer tokens: malformed, unsigned, key confusion, expired, wrong audience or issuer, unlisted accounts', async () => {
    const credentials = badTokens({ signer, publicPem: Object.values(signer.certs())[0]!, audience: SERVICE, schedulerAccount: TASKS_SA });
    tried.credentials += credentials.length;
    tried.requests += await expectAllRefused(send, runtime, credentials, id);
  });

  it('bad request signatures: wrong secret, tampered body, path, method or nonce, stale or future, malformed', async () => {
    const credentials = badSignatures(SECRET);
    tried.credentials += credentials.length;
    tried.requests += await expectAllRefused(send, runtime, credentials, id);
  });

  it("the schedulers' identity reaches wake and sweep only: the control API answers 403", async () => {
    const token = signer.sign({ aud: SERVICE, email: TASKS_SA, email_verified: true });
    const before = await snapshot(runtime);
    for (const attempt of attempts(id).filter((one) => !one.path.startsWith('/_cairn/'))) {
      const response = await send(attempt, { authorization: `Bearer ${token}`, ...(attempt.text ? { 'content-type': 'application/json' } : {}) });
      expect(response.status, `${attempt.method} ${attempt.path}`).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('forbidden');
      tried.requests++;
    }
    expect(await snapshot(runtime)).toEqual(before);
    tried.credentials++;
  });

  it('a captured signed request is refused the second time', async () => {
    const request: Signed = { method: 'POST', path: `/workflows/PARKED/instances/${id}/events`, text: JSON.stringify({ type: 'note', payload: 1 }) };
    const headers = { 'content-type': 'application/json', ...signRequest({ secret: SECRET, method: request.method, url: request.path, body: request.text }) };
    expect((await send(request, headers)).status).toBe(202);
    const before = await snapshot(runtime);
    const replay = await send(request, headers);
    expect(replay.status).toBe(401);
    expect(await snapshot(runtime)).toEqual(before);
    tried.credentials++;
    tried.requests++;
  });
});

describe('secure by default: a host that would let anyone in is refused at construction', () => {
  const runtime = createRuntime({ store: createMemoryStore(), workflows: { PARKED: Parked } });
  afterAll(() => runtime.close());
  const build = (oidc: Record<string, unknown>) => () =>
    createCloudRunHandler({ runtime, auth: { oidc: { client: new OAuth2Client(), audience: SERVICE, ...oidc } as never }, onAuthFailure: () => undefined });

  it('OIDC without serviceAccounts, or with an empty list, is an InvalidOptionsError naming the option', () => {
    for (const oidc of [{}, { serviceAccounts: [] }, { serviceAccounts: [''] }, { serviceAccounts: 'tasks@x.iam.gserviceaccount.com' }]) {
      let failure: unknown;
      try {
        build(oidc)();
      } catch (error) {
        failure = error;
      }
      expect(failure, JSON.stringify(oidc)).toMatchObject({ name: 'InvalidOptionsError', code: 'invalid_input' });
      expect(String(failure)).toContain('serviceAccounts');
    }
    expect(build({ serviceAccounts: [TASKS_SA] })).not.toThrow();
  });

  it('the Node host serves a non-loopback address only with signatures, or when told to accept anyone', async () => {
    const { createNodeHost, serveHost } = await import('@cairn/host-node');
    const host = createNodeHost({ store: createMemoryStore(), workflows: { PARKED: Parked }, handleSignals: false });
    try {
      await expect(serveHost(host, { host: '0.0.0.0', port: 0 })).rejects.toMatchObject({ name: 'InvalidOptionsError', code: 'invalid_input' });
    } finally {
      await host.stop();
    }
  });
});

describe('the Node host refuses replays across processes and restarts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-auth-'));
  const dbPath = join(dir, 'cairn.db');
  const childPath = join(dir, 'server-child.mjs');
  const servers = new Set<ChildProcess>();

  async function startServer(): Promise<{ url: string; child: ChildProcess }> {
    const child = spawn(process.execPath, [childPath, dbPath, SECRET], { stdio: ['ignore', 'pipe', 'inherit'] });
    servers.add(child);
    child.on('exit', () => servers.delete(child));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    return { url: line.trim(), child };
  }
  const stop = (child: ChildProcess, signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });

  beforeAll(async () => {
    await build({
      entryPoints: [fileURLToPath(new URL('./server-child.ts', import.meta.url))],
      outfile: childPath,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      logLevel: 'error',
      alias: {
        '@cairn/core': join(root, 'packages/core/src/index.ts'),
        '@cairn/store-sqlite': join(root, 'adapters/store-sqlite/src/index.ts'),
        '@cairn/host-node': join(root, 'adapters/host-node/src/index.ts'),
      },
    });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([...servers].map((child) => stop(child, 'SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a request accepted by one server is refused by a second on the same store, and by the first after a restart', { timeout: 60_000 }, async () => {
    const a = await startServer();
    const b = await startServer();
    const send = (url: string, request: Signed, headers: Record<string, string>) =>
      fetch(`${url}${request.path}`, { method: request.method, body: request.text, headers });
    const create: Signed = { method: 'POST', path: '/workflows/PARKED/instances', text: JSON.stringify({ id: 'replayed' }) };
    const headers = { 'content-type': 'application/json', ...signRequest({ secret: SECRET, method: create.method, url: create.path, body: create.text }) };
    expect((await send(a.url, create, headers)).status).toBe(201);
    // The same bytes to the other process: its nonce is claimed in the shared store.
    const other = await send(b.url, create, headers);
    expect(other.status).toBe(401);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
    await stop(a.child, 'SIGKILL');
    const restarted = await startServer();
    expect((await send(restarted.url, create, headers)).status).toBe(401);
    // A delete replayed after a restart is refused too; a fresh signature of the same request is not.
    const remove: Signed = { method: 'DELETE', path: '/workflows/PARKED/instances/replayed', text: undefined };
    const removeHeaders = signRequest({ secret: SECRET, method: remove.method, url: remove.path });
    await stop(restarted.child, 'SIGTERM');
    const again = await startServer();
    expect((await send(again.url, remove, removeHeaders)).status).toBe(204);
    expect((await send(b.url, remove, removeHeaders)).status).toBe(401);
    tried.credentials += 3;
    tried.requests += 4;

    // Every bad signature against this host too, over real HTTP.
    const store = createSqliteStore({ path: dbPath });
    try {
      const credentials = badSignatures(SECRET);
      const sendTo: Send = (request, hdrs) => send(b.url, request, hdrs);
      const park: Signed = { method: 'POST', path: '/workflows/PARKED/instances', text: '{"id":"parked-2"}' };
      const parkHeaders = { 'content-type': 'application/json', ...signRequest({ secret: SECRET, method: park.method, url: park.path, body: park.text }) };
      expect((await send(b.url, park, parkHeaders)).status).toBe(201);
      await parkedAtItsWait({ store }, 'parked-2');
      tried.requests += await expectAllRefused(sendTo, { store }, credentials, 'parked-2');
    } finally {
      await store.close();
    }
    console.log(`[auth] ${tried.credentials} distinct bad credentials over ${tried.requests} requests: all refused, nothing changed`);
    expect(tried.credentials).toBeGreaterThanOrEqual(80);
  });
});
