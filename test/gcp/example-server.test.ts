// The example as it is deployed: examples/cloud-run/server.ts in its own process (needs the @cairn
// packages built, as CI does before testing), driven over HTTP, woken by the Cloud Tasks stand-in,
// stopped with SIGTERM as Cloud Run stops instances.

import { afterAll, beforeAll, describe, it } from 'vitest';
import { startCloudTasksEmulator, type CloudTasksEmulator } from './cloud-tasks-emulator.js';
import { createOidcSigner } from './oidc-signer.js';
import { LOCAL_QUEUE, spawnOrderServer, type OrderServerProcess } from '../../examples/cloud-run/scripts/spawn-server.ts';
import { HMAC_SECRET } from './harness.js';
import { runOrderProcessJourney } from './order-process.js';

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

describe('examples/cloud-run/server.ts as a process', () => {
  it('serves the order workflow to completion and exits cleanly on SIGTERM', async () => {
    await runOrderProcessJourney(server, emulator, 'proc-1');
  });
});
