// Step latency and requests per step of the DynamoDB store, on DynamoDB Local (started here, stopped at
// the end). Run after `npx tsup` in packages/core and adapters/store-dynamodb:
//   node adapters/store-dynamodb/bench/dynamodb.bench.ts [steps]
// DynamoDB Local is a Java emulator on this machine: the figures compare versions of this store; they
// are not DynamoDB's own latency (typically single-digit ms per request in-region).

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createRuntime, RECORD_VERSION, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createDynamoDBStore, createDynamoDBTable } from '@cairn/store-dynamodb';
import { startDynamoDBLocal } from '../../../test/emulators/dynamodb-local.ts';

const STEPS = Number(process.argv[2] ?? 300);

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mean = samples.reduce((sum, x) => sum + x, 0) / samples.length;
  return `mean ${mean.toFixed(2)} ms, p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms (n=${samples.length})`;
}

class Steps extends WorkflowEntrypoint<Record<string, unknown>, { n: number }> {
  async run(event: WorkflowEvent<{ n: number }>, step: WorkflowStep) {
    let total = 0;
    for (let i = 0; i < event.payload.n; i++) total += await step.do(`step ${i}`, async () => i);
    return total;
  }
}

const emulator = await startDynamoDBLocal();
const client = new DynamoDBClient({
  endpoint: emulator.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 3,
});
let requests = 0;
const byCommand = new Map<string, number>();
client.middlewareStack.add(
  (next, context) => async (args) => {
    byCommand.set(context.commandName ?? '?', (byCommand.get(context.commandName ?? '?') ?? 0) + 1);
    return next(args);
  },
  { step: 'initialize', name: 'countCommands' },
);
// Below the retry middleware: every HTTP request sent, retries included.
client.middlewareStack.add(
  (next) => async (args) => {
    requests++;
    return next(args);
  },
  { step: 'deserialize', name: 'countRequests' },
);

try {
  const tableName = 'cairn-bench';
  await createDynamoDBTable({ client, tableName });
  const store = createDynamoDBStore({ client, tableName });

  // 1. recordStep alone: one fenced, create-if-absent transaction per step.
  const ref = { workflowName: 'BENCH', instanceId: 'raw' };
  await store.createInstance({
    instance: {
      v: RECORD_VERSION,
      ...ref,
      status: 'running',
      params: '{}',
      output: null,
      error: null,
      createdAt: 0,
      updatedAt: 0,
      finishedAt: null,
      version: 0,
      generation: 0,
      leaseOwner: 'bench',
      leaseToken: 1,
      leaseExpiresAt: null,
      wakeAt: null,
      wakeSeq: 0,
      eventSeq: 0,
      pausedAt: null,
      pausedTotalMs: 0,
      recoveries: 0,
      expiresAt: null,
    },
  });
  for (let i = 0; i < 20; i++) {
    await store.recordStep({
      ...ref,
      leaseToken: 1,
      step: {
        v: 1,
        id: `warm-${i}`,
        key: `warm-${i}`,
        generation: 0,
        kind: 'do',
        name: 'w',
        state: 'completed',
        attempt: 1,
        value: '1',
        startedAt: 0,
        recordedAt: 0,
      },
    });
  }
  const latencies: number[] = [];
  const before = requests;
  for (let i = 0; i < STEPS; i++) {
    const started = performance.now();
    await store.recordStep({
      ...ref,
      leaseToken: 1,
      step: {
        v: 1,
        id: `do:s-${i}`,
        key: `do:s-${i}`,
        generation: 0,
        kind: 'do',
        name: 's',
        state: 'completed',
        attempt: 1,
        value: JSON.stringify({ i }),
        startedAt: i,
        recordedAt: i,
      },
    });
    latencies.push(performance.now() - started);
  }
  console.log(`recordStep: ${stats(latencies)}; ${((requests - before) / STEPS).toFixed(2)} requests per step`);
  const loadStarted = performance.now();
  const beforeLoad = requests;
  const journal = await store.loadJournal(ref);
  console.log(`loadJournal of ${journal?.steps.length} steps: ${(performance.now() - loadStarted).toFixed(1)} ms, ${requests - beforeLoad} request(s)`);

  // 2. A workflow of STEPS steps through core's runtime (in-process scheduler).
  const runtime = createRuntime({ store, workflows: { STEPS: Steps } });
  const workflowStarted = performance.now();
  const beforeRun = requests;
  byCommand.clear();
  const instance = await runtime.workflow('STEPS').create({ id: 'run', params: { n: STEPS } });
  while ((await store.getInstance({ workflowName: 'STEPS', instanceId: 'run' }))?.status !== 'complete') {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const elapsed = performance.now() - workflowStarted;
  await runtime.idle();
  const status = await instance.status();
  await runtime.close();
  // The GetItems are this bench's status polls, not the workflow's.
  const polls = byCommand.get('GetItemCommand') ?? 0;
  const workflowRequests = requests - beforeRun - polls;
  byCommand.delete('GetItemCommand');
  console.log(
    `workflow of ${STEPS} steps: ${status.status} in ${elapsed.toFixed(0)} ms = ${(elapsed / STEPS).toFixed(2)} ms per step; ` +
      `${workflowRequests} requests = ${(workflowRequests / STEPS).toFixed(3)} per step (${[...byCommand].map(([name, count]) => `${name.replace('Command', '')} ${count}`).join(', ')})`,
  );
} finally {
  client.destroy();
  await emulator.stop();
}
