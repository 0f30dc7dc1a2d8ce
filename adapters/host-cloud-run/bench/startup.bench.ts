// Start-up time of the Cloud Run server: spawn examples/cloud-run/server.ts (memory store, local Cloud
// Tasks stand-in) and time until the first successful HTTP response to an authenticated request
// (POST create -> 201). Cold starts on Cloud Run pay this plus the platform's own start.
//
//   (cd packages/core && npx tsup) && (cd adapters/scheduler-cloud-tasks && npx tsup) && (cd adapters/host-cloud-run && npx tsup)
//   node adapters/host-cloud-run/bench/startup.bench.ts [runs=5]

import { performance } from 'node:perf_hooks';
import { signRequest } from '@cairn/host-cloud-run';
import { startCloudTasksEmulator } from '../../../test/gcp/cloud-tasks-emulator.ts';
import { createOidcSigner } from '../../../test/gcp/oidc-signer.ts';
import { LOCAL_QUEUE, spawnOrderServer } from '../../../examples/cloud-run/scripts/spawn-server.ts';

const runs = Number(process.argv[2] ?? 5);
const secret = 'bench-secret-0123456789abcdef0123456789abcdef';
const signer = createOidcSigner();
const tasks = await startCloudTasksEmulator({ signer });
tasks.createQueue(LOCAL_QUEUE);

const results: number[] = [];
for (let run = 0; run < runs; run++) {
  const started = performance.now();
  const server = await spawnOrderServer({ tasksHost: `${tasks.host}:${tasks.port}`, certs: signer.certs(), hmacSecret: secret });
  const path = '/workflows/ORDER/instances';
  let elapsed = -1;
  for (const until = Date.now() + 30_000; Date.now() < until;) {
    const text = JSON.stringify({ id: `bench-${run}`, params: { orderId: `B${run}`, amountCents: 1 } });
    const ok = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signRequest({ secret, method: 'POST', url: path, body: text }) },
      body: text,
    }).then(
      (response) => response.status === 201,
      () => false,
    );
    if (ok) {
      elapsed = performance.now() - started;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const exit = await server.stop();
  if (elapsed < 0) throw new Error(`server did not answer:\n${server.output()}`);
  if (exit.code !== 0) throw new Error(`server exited with ${exit.code}:\n${server.output()}`);
  results.push(elapsed);
  console.log(`run ${run + 1}: first 201 after ${elapsed.toFixed(0)} ms`);
}
await tasks.stop();
const sorted = [...results].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)]!;
console.log(
  `cloud-run server start-up to first request served (node ${process.version}, ${runs} runs): median ${median.toFixed(0)} ms, min ${sorted[0]!.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms`,
);
