// A TypeScript project (module nodenext, strict): typed bindings from the workflows map, a Standard Schema for
// params, and a run on SQLite. `tsc` must accept it, and its output must run.
import { WorkflowEntrypoint, createRuntime, type WorkflowEvent, type WorkflowStep, type StandardSchemaV1 } from '@cairn/core';
import { createSqliteStore } from '@cairn/store-sqlite';
import type { WorkflowInstanceIntrospector } from '@cairn/testkit/environment';

interface Params {
  orderId: string;
}

const params: StandardSchemaV1<Params> = {
  '~standard': {
    version: 1,
    vendor: 'install-test',
    validate: (value) =>
      typeof (value as Partial<Params> | null)?.orderId === 'string' ? { value: value as Params } : { issues: [{ message: 'orderId must be a string' }] },
  },
};

class Order extends WorkflowEntrypoint<Record<string, unknown>, Params> {
  async run(event: WorkflowEvent<Params>, step: WorkflowStep) {
    const total = await step.do('price', async () => event.payload.orderId.length * 10);
    return { orderId: event.payload.orderId, total };
  }
}

const runtime = createRuntime({ store: createSqliteStore({ path: ':memory:' }), workflows: { ORDER: { workflow: Order, params } } });
const instance = await runtime.workflow('ORDER').create({ id: 'o-1', params: { orderId: 'abc' } });
let status = await instance.status();
while (status.status !== 'complete' && status.status !== 'errored') {
  await new Promise((resolve) => setTimeout(resolve, 5));
  status = await instance.status();
}
const total: number | undefined = status.output?.total;
const rejected = await runtime
  .workflow('ORDER')
  .create({ params: { orderId: 1 } as never })
  .then(
    () => 'accepted',
    (error: Error) => error.name,
  );
await runtime.close();
const introspectorType: keyof WorkflowInstanceIntrospector = 'waitForStatus';
process.stdout.write(JSON.stringify({ status: status.status, total, rejected, introspectorType }));
