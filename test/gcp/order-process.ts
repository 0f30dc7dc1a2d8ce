// The order service as a deployed process is driven: signed calls to it, and the journey both process tests run
// (examples/cloud-run/server.ts as is, and the container image's command): create once the server is up, an
// approval event, completion woken by Cloud Tasks deliveries, then SIGTERM and a clean exit.

import { expect } from 'vitest';
import { signRequest } from '@cairn/host-cloud-run';
import type { OrderServerProcess } from '../../examples/cloud-run/scripts/spawn-server.ts';
import type { CloudTasksEmulator } from './cloud-tasks-emulator.js';
import { HMAC_SECRET } from './harness.js';

/** An HMAC-signed request to the server; the body parsed. */
async function signedCall(server: OrderServerProcess, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...signRequest({ secret: HMAC_SECRET, method, url: path, body: text }) },
    body: text,
  });
  const raw = await response.text();
  return { status: response.status, body: raw ? JSON.parse(raw) : undefined };
}

/** Runs one order to completion on a started server process, then stops it with SIGTERM. */
export async function runOrderProcessJourney(server: OrderServerProcess, emulator: CloudTasksEmulator, id: string): Promise<void> {
  let created: { status: number; body: any } | null = null;
  for (const until = Date.now() + 20_000; !created;) {
    created = await signedCall(server, 'POST', '/workflows/ORDER/instances', { id, params: { orderId: id, amountCents: 100, coolOffMs: 1500 } }).catch(
      () => null,
    );
    if (!created && Date.now() > until) throw new Error(`server did not start:\n${server.output()}`);
    if (!created) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(created.status).toBe(201);
  expect((await fetch(`${server.url}/workflows/ORDER/instances/${id}`)).status).toBe(401); // unsigned
  expect((await signedCall(server, 'POST', `/workflows/ORDER/instances/${id}/events`, { type: 'approval', payload: { approvedBy: 'ops' } })).status).toBe(202);
  let status: any;
  for (const until = Date.now() + 20_000; ;) {
    status = (await signedCall(server, 'GET', `/workflows/ORDER/instances/${id}`)).body;
    if (status.status === 'complete' || Date.now() > until) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(status).toMatchObject({ status: 'complete', output: { approvedBy: 'ops', paymentAttempts: 3 } });
  // The 1.5 s cool-off was longer than the in-process limit: a Cloud Tasks delivery woke it.
  expect(emulator.dispatches.filter((d) => d.status === 200).length).toBeGreaterThanOrEqual(2);

  expect(await server.stop()).toEqual({ code: 0, signal: null });
  expect(server.output()).toMatch(/SIGTERM[\s\S]*shut down cleanly/);
}
