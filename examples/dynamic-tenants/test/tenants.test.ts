// The dynamic-tenants example end to end: the Node dispatcher as a process of its own on SQLite, where two
// tenants upload their code over REST and run it; acme edits its code while an instance sleeps, across a restart
// of the dispatcher; the old instance finishes on its pinned version, the new one runs the edit. Then the same
// dispatcher on the Cloud Run handler, its tenants isolated in Workers, and its tenant code in Firestore.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Firestore } from '@google-cloud/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '@cairn/core';
import { createMemoryCodeStore } from '../src/code-store.ts';
import { createFirestoreCodeStore } from '../src/firestore-code-store.ts';
import { createTenantService } from '../src/cloud-run.ts';
import { firestoreClientSettings, startFirestoreEmulator } from '../../../test/emulators/firestore.js';

const here = fileURLToPath(new URL('..', import.meta.url));
const code = (file: string) => readFileSync(join(here, 'tenants', file), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'cairn-tenants-test-'));
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function startDispatcher(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(here, 'src/node.ts')], {
    env: { ...process.env, CAIRN_DB: join(dir, 'tenants.db'), PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const url = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  return { url, child };
}

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Record<string, unknown> }>;
const caller =
  (send: (request: Request) => Promise<Response>, base: string, headers: Record<string, string> = {}): Call =>
  async (method, path, body) => {
    const response = await send(
      new Request(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) }),
    );
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

async function finished(call: Call, path: string) {
  const until = Date.now() + 20_000;
  for (;;) {
    const { body } = await call('GET', path);
    if (body.status === 'complete' || body.status === 'errored') return body;
    if (Date.now() > until) throw new Error(`${path} stayed ${String(body.status)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the Node dispatcher (a process, on SQLite)', () => {
  it('tenants upload and run their code; an edit while an instance sleeps, across a restart, leaves it on its version', { timeout: 60_000 }, async () => {
    let dispatcher = await startDispatcher();
    let call = caller(fetch, dispatcher.url);
    expect(await call('PUT', '/tenants/acme/code', code('acme-v1.js'))).toMatchObject({ status: 201, body: { version: 'v1' } });
    expect(await call('PUT', '/tenants/globex/code', code('globex.js'))).toMatchObject({ status: 201, body: { version: 'v1' } });
    expect(await call('POST', '/tenants/acme/instances', { id: 'ada', params: { name: 'Ada', coolOffMs: 2500 } })).toMatchObject({
      status: 201,
      body: { version: 'v1' },
    });
    expect((await call('POST', '/tenants/globex/instances', { id: 'laptop', params: { item: 'laptop' } })).status).toBe(201);

    // The dispatcher stops while ada sleeps; acme's edit lands on the next one.
    dispatcher.child.kill('SIGTERM');
    await new Promise((resolve) => dispatcher.child.once('exit', resolve));
    dispatcher = await startDispatcher();
    call = caller(fetch, dispatcher.url);
    expect(await call('PUT', '/tenants/acme/code', code('acme-v2.js'))).toMatchObject({ status: 201, body: { version: 'v2' } });
    expect(await call('POST', '/tenants/acme/instances', { id: 'bob', params: { name: 'Bob', coolOffMs: 100 } })).toMatchObject({ body: { version: 'v2' } });
    expect((await call('POST', '/tenants/globex/instances/laptop/events', { type: 'decision', payload: { approved: true } })).status).toBe(202);

    expect(await finished(call, '/tenants/acme/instances/ada')).toMatchObject({
      status: 'complete',
      version: 'v1',
      output: { version: 'first', checkIn: 'How is it going, Ada?' },
    });
    expect(await finished(call, '/tenants/acme/instances/bob')).toMatchObject({
      status: 'complete',
      version: 'v2',
      output: { version: 'second', survey: 'sent' },
    });
    expect(await finished(call, '/tenants/globex/instances/laptop')).toMatchObject({ output: { item: 'laptop', approved: true } });
    // Scoped: a tenant cannot see, or drive, another's instance.
    expect(await call('GET', '/tenants/globex/instances/ada')).toMatchObject({ status: 404, body: { error: { code: 'instance_not_found' } } });
    expect((await call('POST', '/tenants/globex/instances/ada/events', { type: 'x' })).status).toBe(404);
    expect(await call('POST', '/tenants/nobody/instances', {})).toMatchObject({ status: 409, body: { error: { code: 'no_code' } } });
    expect(await call('PUT', '/tenants/Bad_Name/code', 'x')).toMatchObject({ status: 400 });
  });
});

describe('the dispatcher on the Cloud Run handler', () => {
  it("refuses callers without the token; runs isolated tenants' code; Cairn's own routes keep their auth", { timeout: 60_000 }, async () => {
    const service = createTenantService({
      store: createMemoryStore(),
      codes: createMemoryCodeStore(),
      auth: { hmac: { secrets: ['dynamic-tenants-secret-0123456789abcdef012345'] } },
      token: 'tenant-token',
      isolation: { memoryMb: 64, cpuMsPerAttempt: 2_000 },
    });
    try {
      const base = 'https://tenants-abc-uc.a.run.app';
      const anonymous = caller(service.fetch, base);
      expect((await anonymous('PUT', '/tenants/acme/code', code('acme-v1.js'))).status).toBe(401);
      expect((await anonymous('GET', '/workflows/TENANT_FLOWS/instances')).status).toBe(401);
      const call = caller(service.fetch, base, { authorization: 'Bearer tenant-token' });
      expect((await call('PUT', '/tenants/acme/code', code('acme-v1.js'))).status).toBe(201);
      expect((await call('POST', '/tenants/acme/instances', { id: 'ada', params: { name: 'Ada', coolOffMs: 50 } })).status).toBe(201);
      expect(await finished(call, '/tenants/acme/instances/ada')).toMatchObject({ status: 'complete', version: 'v1', output: { welcome: 'Welcome, Ada!' } });
    } finally {
      await service.shutdown();
    }
  });

  it('keeps tenant code in Firestore (the emulator): each upload a new version, read back as written', { timeout: 60_000 }, async () => {
    const emulator = await startFirestoreEmulator();
    const firestore = new Firestore(firestoreClientSettings(emulator));
    try {
      const codes = createFirestoreCodeStore(firestore, `code-${Date.now()}`);
      expect(await codes.current('acme')).toBeUndefined();
      expect(await codes.upload('acme', code('acme-v1.js'))).toBe('v1');
      expect(await codes.upload('acme', code('acme-v2.js'))).toBe('v2');
      expect(await codes.current('acme')).toBe('v2');
      expect(await codes.source('acme', 'v1')).toBe(code('acme-v1.js'));
      expect(await codes.source('acme', 'v3')).toBeUndefined();
    } finally {
      await firestore.terminate();
      await emulator.stop();
    }
  });
});
