// Dynamic Workflows on AWS: the dispatcher of Cloudflare's README (imports changed, @cairn/dynamic) runs in the
// Lambda handler, its journal in DynamoDB Local, its sleeps as EventBridge Scheduler schedules. Two tenants'
// code, loaded at run time, runs to complete; each instance carries its tenant's metadata and code version.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, deserialize, type Runtime } from '@cairn/core';
import { createDynamicWorkflowEntrypoint, createTenantLoader, wrapWorkflowBinding } from '@cairn/dynamic';
import { createDynamoDBStore } from '@cairn/store-dynamodb';
import { createEventBridgeScheduler } from '@cairn/scheduler-eventbridge';
import { startDynamoDBLocal, type DynamoDBLocal } from '../emulators/dynamodb-local.ts';
import { lambdaClient, SCHEDULER_ROLE_ARN, schedulerClient } from './support/clients.ts';
import { SCHEDULE_GROUP, startAwsStack, until, type AwsStack, type StackClients } from './support/aws-stack.ts';

/** Tenant code as on Cloudflare: a greeting, a sleep long enough to become a schedule, a wait for a go-ahead. */
const tenantCode = (greeting: string) => `
import { WorkflowEntrypoint } from 'cloudflare:workers';
export class TenantWorkflow extends WorkflowEntrypoint {
  async run(event, step) {
    const line = await step.do('greet', async () => \`${greeting}, \${event.payload.name}!\`);
    await step.sleep('settle', '2 seconds');
    const go = await step.waitForEvent('go', { type: 'go', timeout: '1 hour' });
    return { line, go: go.payload, payload: event.payload };
  }
}`;
const code: Record<string, string> = { acme: tenantCode('Hello'), globex: tenantCode('Bonjour') };

/** The dispatcher's runtime, built per Lambda execution environment (and once more for the test's own calls). */
function dispatcherRuntime(clients: StackClients): Runtime {
  const loader = createTenantLoader({ source: ({ tenant }) => code[tenant], currentVersion: () => 'v1', exportName: 'TenantWorkflow' });
  const DynamicWorkflow = createDynamicWorkflowEntrypoint(async ({ env, ctx, metadata, version }) => loader.loadRunner({ env, ctx, metadata, version }));
  return createRuntime({
    store: createDynamoDBStore({ client: clients.dynamodb, tableName: clients.tableName }),
    scheduler: createEventBridgeScheduler({
      client: clients.scheduler,
      lambdaClient: clients.lambda,
      targetArn: clients.functionArn,
      roleArn: clients.schedulerRoleArn,
      groupName: clients.scheduleGroup,
      immediateWindowMs: 1_000,
    }),
    workflows: { WORKFLOWS: { workflow: DynamicWorkflow, currentVersion: loader.currentVersion } },
    maxInProcessWaitMs: 1_000,
  });
}

let dynamodb: DynamoDBLocal;
let stack: AwsStack;
let front: Runtime;
beforeAll(async () => {
  dynamodb = await startDynamoDBLocal();
  stack = await startAwsStack({ dynamodb, createRuntime: dispatcherRuntime });
  front = dispatcherRuntime({
    dynamodb: new DynamoDBClient({
      endpoint: dynamodb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    }),
    scheduler: schedulerClient(stack.scheduler.endpoint),
    lambda: lambdaClient(stack.lambda.endpoint),
    tableName: stack.tableName,
    functionArn: stack.lambda.functionArn,
    schedulerRoleArn: SCHEDULER_ROLE_ARN,
    scheduleGroup: SCHEDULE_GROUP,
  });
}, 120_000);
afterAll(async () => {
  await front?.close();
  await stack?.stop();
  await dynamodb?.stop();
});

describe('the dispatcher on Lambda + EventBridge Scheduler + DynamoDB Local', () => {
  it("runs two tenants' code loaded at run time to complete, through schedules and events", { timeout: 90_000 }, async () => {
    const acme = wrapWorkflowBinding({ tenantId: 'acme' }, { runtime: front });
    const globex = wrapWorkflowBinding({ tenantId: 'globex' }, { runtime: front });
    const a = await acme.create({ id: 'acme-1', params: { name: 'Ada' } });
    const g = await globex.create({ id: 'globex-1', params: { name: 'Grace' } });
    for (const [instance, binding] of [
      [a, acme],
      [g, globex],
    ] as const) {
      // Woken by an EventBridge schedule after its sleep, it waits for the go-ahead.
      await until(
        async () =>
          (await instance.status()).status === 'waiting' &&
          (await stack.store.loadJournal({ workflowName: 'WORKFLOWS', instanceId: instance.id }))!.steps.some((step) => step.kind === 'wait'),
        30_000,
        `${instance.id} waiting for go`,
      );
      await (await binding.get(instance.id)).sendEvent({ type: 'go', payload: 'yes' });
    }
    const done = (id: string) =>
      until(
        async () => {
          const status = await (await front.workflow('WORKFLOWS').get(id)).status();
          return status.status === 'complete' && status;
        },
        30_000,
        `${id} complete`,
      );
    expect(await done('acme-1')).toMatchObject({ output: { line: 'Hello, Ada!', go: 'yes', payload: { name: 'Ada' } }, version: 'v1' });
    expect(await done('globex-1')).toMatchObject({ output: { line: 'Bonjour, Grace!', payload: { name: 'Grace' } } });
    const stored = await stack.store.getInstance({ workflowName: 'WORKFLOWS', instanceId: 'acme-1' });
    expect(deserialize(stored!.metadata!)).toEqual({ tenantId: 'acme' });
    expect(stored!.workflowVersion).toBe('v1');
    expect(stack.scheduler.created.length, 'the sleeps went through EventBridge Scheduler').toBeGreaterThanOrEqual(2);
    expect(stack.lambda.invocations.length).toBeGreaterThan(2);
    // Scoped on DynamoDB too.
    expect(await acme.get('globex-1').catch((error: unknown) => (error as { code?: string }).code)).toBe('instance_not_found');
  });
});
