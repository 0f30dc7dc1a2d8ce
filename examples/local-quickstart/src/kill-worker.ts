// The first process of the kill demo: creates an order, sends its approval at once (it waits in the
// instance's inbox until the workflow asks for it) and runs it until the demo kills this process.
import { createNodeHost } from '@cairn/host-node';
import { createSqliteStore } from '@cairn/store-sqlite';
import { narrationHooks } from './narrate.ts';
import { OrderWorkflow, type OrderParams } from './workflow.ts';

const [dbPath, instanceId] = process.argv.slice(2);
if (!dbPath || !instanceId) throw new Error('usage: node src/kill-worker.ts <db> <instance id>');
const say = (line: string) => process.stdout.write(`${line}\n`);

const runner = createNodeHost({
  store: createSqliteStore({ path: dbPath }),
  hooks: narrationHooks(say),
  workflows: { ORDER: OrderWorkflow },
  env: { log: (line: string) => say(`  ${line}`) },
  // A dead runner's instances are taken over once its lease expires: short here, so the demo is quick.
  leaseMs: 2_000,
});
await runner.start();
const params: OrderParams = { orderId: 'order-7', amount: 59, stockMs: 3_000 };
const instance = await runner.runtime.workflow('ORDER').create({ id: instanceId, params });
say(`created ${instance.id}; sending its approval now (buffered until the workflow waits for it)`);
await instance.sendEvent({ type: 'order-approved', payload: { approver: 'sam@example.com' } });
