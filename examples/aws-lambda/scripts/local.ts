// Runs the order example locally against the stand-ins the tests use: DynamoDB Local (the real
// DynamoDB store), the EventBridge Scheduler stand-in and the Lambda stand-in (Invoke API + Function URL)
// running handler.ts's code, all on 127.0.0.1. Needs Java (DynamoDB Local) and the packages built:
//
//   npx tsup   (in packages/core, adapters/host-lambda, adapters/scheduler-eventbridge, adapters/store-dynamodb)
//   node examples/aws-lambda/scripts/local.ts

import { startDynamoDBLocal } from '../../../test/emulators/dynamodb-local.ts';
import { startAwsStack, until } from '../../../test/aws/support/aws-stack.ts';
import { createOrderRuntime } from '../src/app.ts';

const dynamodb = await startDynamoDBLocal();
const stack = await startAwsStack({
  dynamodb,
  // Sleeps over a second become EventBridge schedules, so the short cool-off below shows one.
  createRuntime: (clients) => createOrderRuntime({ ...clients, maxInProcessWaitMs: 1_000 }),
});

try {
  const id = `order-${Date.now()}`;
  const created = await stack.request('POST', '/workflows/ORDER/instances', {
    id,
    params: { orderId: 'A-1001', amount: 42, email: 'buyer@example.com', coolOff: '3 seconds' },
  });
  console.log('POST /workflows/ORDER/instances ->', created.status, created.json);

  await until(async () => stack.scheduler.created.length > 0, 15_000, 'the cool-off schedule');
  const schedule = stack.scheduler.created[0]!;
  console.log(`charged after retries; sleeping: schedule ${schedule.groupName}/${schedule.name} ${schedule.expression} UTC`);

  await until(
    async () =>
      stack.scheduler.fired.length > 0 &&
      (await stack.store.loadJournal({ workflowName: 'ORDER', instanceId: id }))?.steps.some((step) => step.kind === 'wait'),
    15_000,
    'the approval wait',
  );
  console.log('woken by the schedule; waiting for approval:', (await stack.request('GET', `/workflows/ORDER/instances/${id}`)).json);

  const approval = await stack.request('POST', `/workflows/ORDER/instances/${id}/events`, { type: 'approval', payload: { approved: true, by: 'maria' } });
  console.log(`POST /workflows/ORDER/instances/${id}/events ->`, approval.status);

  const done = await until(
    async () => {
      const response = await stack.request('GET', `/workflows/ORDER/instances/${id}`);
      return response.json.status === 'complete' && response.json;
    },
    15_000,
    'completion',
  );
  console.log('complete:', JSON.stringify(done, null, 2));
  await stack.lambda.idle();
  const outcomes = stack.lambda.invocations.map(
    (record) =>
      `${record.source}${record.coldStart ? ' (cold)' : ''}: ${(record.result as { outcome?: string; statusCode?: number })?.outcome ?? (record.result as { statusCode?: number })?.statusCode ?? record.outcome}`,
  );
  console.log(`${stack.lambda.invocations.length} invocations:\n  ${outcomes.join('\n  ')}`);
} finally {
  await stack.stop();
  await dynamodb.stop();
}
