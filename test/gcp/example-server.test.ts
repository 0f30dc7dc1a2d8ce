// The example as it is deployed: examples/cloud-run/server.ts in its own process (needs the @cairn
// packages built, as CI does before testing), driven over HTTP, woken by the Cloud Tasks stand-in,
// stopped with SIGTERM as Cloud Run stops instances.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '@cairn/host-cloud-run';
import { startCloudTasksEmulator, type CloudTasksEmulator } from './cloud-tasks-emulator.js';
import { createOidcSigner } from './oidc-signer.js';
import { LOCAL_QUEUE, spawnOrderServer, type OrderServerProcess } from '../../examples/cloud-run/scripts/spawn-server.ts';
import { HMAC_SECRET } from './harness.js';

let emulator: CloudTasksEmulator;
let server: OrderServerProcess;

beforeAll(async () => {
  const signer = createOidcSigner();
  emulator = await startCloudTasksEmulator({ signer });
  emulator.createQueue(LOCAL_QUEUE);
  server = await spawnOrderServer({ tasksHost: `${emulator.host}:${emulator.port}`, certs: signer.certs(), hmacSecret: HMAC_SECRET });
});
afterAll(async () => {
  await server?.stop();
  await emulator?.stop();
});

async function call(method: string, path: string, body?: unknown) {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...signRequest({ secret: HMAC_SECRET, method, url: path, body: text }) },
    body: text,
  });
  const raw = await response.text();
  return { status: response.status, body: raw ? JSON.parse(raw) : undefined };
}

describe('examples/cloud-run/server.ts as a process', () => {
  it('serves the order workflow to completion and exits cleanly on SIGTERM', async () => {
    let created: { status: number; body: any } | null = null;
    for (const until = Date.now() + 20_000; !created;) {
      created = await call('POST', '/workflows/ORDER/instances', { id: 'proc-1', params: { orderId: 'P1', amountCents: 100, coolOffMs: 1500 } }).catch(
        () => null,
      );
      if (!created && Date.now() > until) throw new Error(`server did not start:\n${server.output()}`);
      if (!created) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(created.status).toBe(201);
    expect((await call('POST', '/workflows/ORDER/instances/proc-1/events', { type: 'approval', payload: { approvedBy: 'ops' } })).status).toBe(202);
    let status: any;
    for (const until = Date.now() + 20_000; ;) {
      status = (await call('GET', '/workflows/ORDER/instances/proc-1')).body;
      if (status.status === 'complete' || Date.now() > until) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toMatchObject({ status: 'complete', output: { approvedBy: 'ops', paymentAttempts: 3 } });
    // The 1.5 s cool-off was longer than the in-process limit: a Cloud Tasks delivery woke it.
    expect(emulator.dispatches.filter((d) => d.status === 200).length).toBeGreaterThanOrEqual(2);

    const exit = await server.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/SIGTERM[\s\S]*shut down cleanly/);
  });
});
