// A CommonJS project: require() of core, the SQLite store and the testkit's environment (Node >= 22.12 loads
// ES modules synchronously), and a workflow run to completion in virtual time.
const { WorkflowEntrypoint, createRuntime } = require('@cairn/core');
const { createSqliteStore } = require('@cairn/store-sqlite');
const { createTestEnvironment } = require('@cairn/testkit/environment');

class Reminder extends WorkflowEntrypoint {
  async run(event, step) {
    await step.sleep('wait a week', event.payload.user === 'ada' ? '7 days' : 0);
    return step.do('remind', async () => ({ reminded: event.payload.user }));
  }
}

async function main() {
  const environment = createTestEnvironment({ workflows: { REMINDER: Reminder }, timeSkipping: true });
  const instance = await environment.create('REMINDER', { params: { user: 'ada' } });
  const virtual = await environment.runToCompletion(instance);
  await environment.close();

  const runtime = createRuntime({ store: createSqliteStore({ path: ':memory:' }), workflows: { REMINDER: Reminder } });
  const created = await runtime.workflow('REMINDER').create({ params: { user: 'bob' } });
  let sqlite = await created.status();
  while (sqlite.status !== 'complete' && sqlite.status !== 'errored') {
    await new Promise((resolve) => setTimeout(resolve, 5));
    sqlite = await created.status();
  }
  process.stdout.write(JSON.stringify({ virtual, sqlite }));
  await runtime.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
