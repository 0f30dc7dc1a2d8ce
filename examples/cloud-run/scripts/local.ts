// Runs the order service locally against the Google Cloud stand-ins the tests use: a Cloud Tasks
// endpoint that the real @google-cloud/tasks client talks to and that delivers wake-ups with signed
// OIDC tokens, and the Cloud Run server (server.ts) as a child process on 127.0.0.1.
//
//   npx tsup   (in packages/core, adapters/scheduler-cloud-tasks, adapters/host-cloud-run)
//   node examples/cloud-run/scripts/local.ts

import { randomBytes } from 'node:crypto';
import { signRequest } from '@cairn/host-cloud-run';
import { startCloudTasksEmulator } from '../../../test/gcp/cloud-tasks-emulator.ts';
import { createOidcSigner } from '../../../test/gcp/oidc-signer.ts';
import { LOCAL_QUEUE, spawnOrderServer } from './spawn-server.ts';

const secret = randomBytes(32).toString('hex');
const signer = createOidcSigner();
const tasks = await startCloudTasksEmulator({ signer });
tasks.createQueue(LOCAL_QUEUE);
const server = await spawnOrderServer({ tasksHost: `${tasks.host}:${tasks.port}`, certs: signer.certs(), hmacSecret: secret });

async function call(method: string, path: string, body?: unknown) {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...signRequest({ secret, method, url: path, body: text }) },
    body: text,
  });
  const raw = await response.text();
  return { status: response.status, body: raw ? JSON.parse(raw) : undefined };
}

try {
  let created;
  for (const until = Date.now() + 15_000; ;) {
    created = await call('POST', '/workflows/ORDER/instances', { id: `order-${Date.now()}`, params: { orderId: 'A-1001', amountCents: 4200 } }).catch(
      () => null,
    );
    if (created) break;
    if (Date.now() > until) throw new Error(`the server did not start:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log('created:', created.status, created.body);
  const id = created.body.id as string;
  // The approval may arrive before the workflow waits for it: events wait in the instance's inbox.
  console.log('approval:', (await call('POST', `/workflows/ORDER/instances/${id}/events`, { type: 'approval', payload: { approvedBy: 'maria' } })).status);
  for (const until = Date.now() + 30_000; ;) {
    const { body } = await call('GET', `/workflows/ORDER/instances/${id}`);
    if (body.status === 'complete' || body.status === 'errored') {
      console.log('finished:', body);
      break;
    }
    if (Date.now() > until) throw new Error(`still ${body.status} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  console.log('Cloud Tasks deliveries:');
  for (const d of tasks.dispatches) console.log(`  ${d.name.split('/').at(-1)}  attempt ${d.attempt}  -> ${d.status}`);
} finally {
  const exit = await server.stop();
  console.log(`server stopped (SIGTERM): exit code ${exit.code}`);
  console.log(
    server
      .output()
      .trim()
      .split('\n')
      .map((line) => `  | ${line}`)
      .join('\n'),
  );
  await tasks.stop();
}
