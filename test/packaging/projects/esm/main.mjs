// A plain ESM project with every package installed from its tarball: each entry loads and exports its factory,
// and an order runs on SQLite through the Node host (a sleep, an event, a retried step).
import { WorkflowEntrypoint } from '@cairn/core';
import { createNodeHost } from '@cairn/host-node';
import { createSqliteStore } from '@cairn/store-sqlite';

const entries = {
  '@cairn/core': 'createRuntime',
  '@cairn/cli': 'defineConfig',
  '@cairn/testkit/environment': 'createTestEnvironment',
  '@cairn/host-node': 'createNodeHost',
  '@cairn/host-lambda': 'createLambdaHandler',
  '@cairn/host-cloud-run': 'createCloudRunHandler',
  '@cairn/store-sqlite': 'createSqliteStore',
  '@cairn/store-dynamodb': 'createDynamoDBStore',
  '@cairn/store-firestore': 'createFirestoreStore',
  '@cairn/scheduler-eventbridge': 'createEventBridgeScheduler',
  '@cairn/scheduler-cloud-tasks': 'createCloudTasksScheduler',
};
const loaded = {};
for (const [name, factory] of Object.entries(entries)) loaded[name] = typeof (await import(name))[factory];

let failures = 0;
class Order extends WorkflowEntrypoint {
  async run(event, step) {
    const reserved = await step.do('reserve', { retries: { limit: 2, delay: 10, backoff: 'constant' } }, async () => {
      if (failures++ < 1) throw new Error('stock service busy');
      return { sku: event.payload.sku };
    });
    await step.sleep('cool off', 50);
    const approval = await step.waitForEvent('approval', { type: 'approved', timeout: '1 minute' });
    return { reserved, by: approval.payload.by };
  }
}

const host = createNodeHost({ store: createSqliteStore({ path: ':memory:' }), workflows: { ORDER: Order }, handleSignals: false });
await host.start();
const instance = await host.runtime.workflow('ORDER').create({ id: 'o-1', params: { sku: 'a-1' } });
// Sent before the workflow waits for it: the event is kept until step.waitForEvent asks (as on Cloudflare).
await instance.sendEvent({ type: 'approved', payload: { by: 'ops' } });
let status;
while ((status = await instance.status()).status !== 'complete' && status.status !== 'errored') await new Promise((resolve) => setTimeout(resolve, 10));
await host.stop();
process.stdout.write(JSON.stringify({ loaded, status }));
