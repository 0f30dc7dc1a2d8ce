// The SAM template grants the deployed function every AWS action the adapters call, and nothing more.
// DynamoDB Local and the stand-ins enforce no IAM, so a missing grant passes every other local test and
// fails only on a deployed stack (deleting an instance needs dynamodb:BatchWriteItem). Two views are checked
// against template.yaml's policies: the commands the SDK clients really send through a whole run (recorded by
// SDK middleware), and every command the adapters' sources can send.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createOrderRuntime } from '../../examples/aws-lambda/src/app.ts';
import { demoPayments } from '../../examples/aws-lambda/src/workflow.ts';
import { startDynamoDBLocal, type DynamoDBLocal } from '../emulators/dynamodb-local.ts';
import { startAwsStack, until, type AwsStack } from './support/aws-stack.ts';
import { sweeperTick } from './support/events.ts';

const ROOT = join(import.meta.dirname, '../..');
const TEMPLATE = join(ROOT, 'examples/aws-lambda/template.yaml');
/** Adapters whose code the deployed function runs. */
const DEPLOYED_ADAPTERS = ['store-dynamodb', 'scheduler-eventbridge', 'host-lambda'];
/** Set-up helpers a deployment does not call (the template makes the table): `createDynamoDBTable`. */
const SET_UP_ONLY = new Set(['store-dynamodb/src/table.ts']);

const SERVICE_OF_CLIENT: Record<string, string> = { DynamoDBClient: 'dynamodb', SchedulerClient: 'scheduler', LambdaClient: 'lambda' };
const SERVICE_OF_PACKAGE: Record<string, string> = {
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-scheduler': 'scheduler',
  '@aws-sdk/client-lambda': 'lambda',
};
/** A transaction is authorized item by item, by the item's own action. */
const TRANSACT_ITEM_ACTIONS: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };

/** The IAM actions one command needs; `input` narrows a transaction to the kinds of item it holds. */
function actionsOf(service: string, commandName: string, input?: { TransactItems?: Record<string, unknown>[]; RoleArn?: string }): string[] {
  const operation = commandName.replace(/Command$/, '');
  if (service === 'dynamodb' && operation === 'TransactWriteItems') {
    const kinds = input?.TransactItems ? input.TransactItems.flatMap((item) => Object.keys(item)) : Object.keys(TRANSACT_ITEM_ACTIONS);
    return [...new Set(kinds.map((kind) => `dynamodb:${TRANSACT_ITEM_ACTIONS[kind] ?? kind}`))];
  }
  if (service === 'dynamodb' && operation === 'TransactGetItems') return ['dynamodb:GetItem'];
  if (service === 'lambda' && operation === 'Invoke') return ['lambda:InvokeFunction'];
  // A schedule names the role EventBridge Scheduler assumes: the caller must be allowed to pass it.
  if (service === 'scheduler' && operation === 'CreateSchedule') return ['scheduler:CreateSchedule', 'iam:PassRole'];
  return [`${service}:${operation}`];
}

/** CloudFormation's short tags (!Ref, !Sub, !GetAtt), kept as strings: only the actions are read here. */
const CLOUDFORMATION_TAGS = ['!Ref', '!Sub', '!GetAtt'].map((tag) => ({ tag, resolve: (value: string) => `${tag} ${value}` }));

interface Template {
  Resources: Record<string, { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string; Properties: Record<string, any> }>;
}
const template = parse(readFileSync(TEMPLATE, 'utf8'), { customTags: CLOUDFORMATION_TAGS }) as Template;

/** The actions the function's own policies allow. */
function allowedActions(): Set<string> {
  const fn = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::Serverless::Function')!;
  const allowed = new Set<string>();
  for (const policy of fn.Properties.Policies as { Statement: { Effect: string; Action: string | string[] }[] }[]) {
    for (const statement of policy.Statement) {
      if (statement.Effect === 'Allow') for (const action of [statement.Action].flat()) allowed.add(action);
    }
  }
  return allowed;
}

/** Every command the deployed adapters' sources can send: `new XCommand(` with X imported from an AWS SDK client. */
function commandsInSources(): { file: string; action: string }[] {
  const found: { file: string; action: string }[] = [];
  for (const adapter of DEPLOYED_ADAPTERS) {
    const dir = join(ROOT, 'adapters', adapter, 'src');
    for (const name of readdirSync(dir, { recursive: true }) as string[]) {
      const file = `${adapter}/src/${name}`;
      if (!name.endsWith('.ts') || SET_UP_ONLY.has(file)) continue;
      const source = readFileSync(join(dir, name), 'utf8');
      for (const [, names, from] of source.matchAll(/import\s*{([^}]*)}\s*from\s*'(@aws-sdk\/client-[a-z-]+)'/g)) {
        const service = SERVICE_OF_PACKAGE[from!];
        for (const imported of names!.split(',').map((part) => part.trim())) {
          if (!service || !imported.endsWith('Command') || !source.includes(`new ${imported}(`)) continue;
          for (const action of actionsOf(service, imported)) found.push({ file, action });
        }
      }
    }
  }
  return found;
}

describe('the SAM template', () => {
  it('allows every command the deployed adapters can send, and nothing they never send', () => {
    const allowed = allowedActions();
    const inSources = commandsInSources();
    const needed = new Set(inSources.map((command) => command.action));
    expect(needed.size).toBeGreaterThan(8); // the scan found the adapters' commands
    const missing = inSources.filter((command) => !allowed.has(command.action));
    expect(missing, 'actions the adapters call that template.yaml does not grant').toEqual([]);
    expect(
      [...allowed].filter((action) => !needed.has(action)),
      'actions template.yaml grants that no adapter calls',
    ).toEqual([]);
  });

  it('keeps the journal table when the stack is deleted or the table replaced', () => {
    const table = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::DynamoDB::Table')!;
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
  });

  it("runs on a Lambda runtime that the packages' engines accept", () => {
    const fn = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::Serverless::Function')!;
    const runtimeMajor = Number(/^nodejs(\d+)\.x$/.exec(fn.Properties.Runtime as string)?.[1]);
    for (const adapter of DEPLOYED_ADAPTERS) {
      const engines = JSON.parse(readFileSync(join(ROOT, 'adapters', adapter, 'package.json'), 'utf8')).engines.node as string;
      const minimumMajor = Number(/>=\s*(\d+)/.exec(engines)?.[1]);
      expect(runtimeMajor, `${adapter} needs node ${engines}`).toBeGreaterThanOrEqual(minimumMajor);
    }
  });
});

describe('the commands a whole run sends', () => {
  let dynamodb: DynamoDBLocal;
  let stack: AwsStack;
  const sent: { client: string; command: string; actions: string[] }[] = [];
  beforeAll(async () => {
    dynamodb = await startDynamoDBLocal();
    stack = await startAwsStack({
      dynamodb,
      createRuntime: (clients) => createOrderRuntime({ ...clients, payments: demoPayments(0), maxInProcessWaitMs: 1_000 }),
      onCommand: (client, command, input) => sent.push({ client, command, actions: actionsOf(SERVICE_OF_CLIENT[client] ?? client, command, input as never) }),
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await dynamodb?.stop();
  });

  const statusOf = async (id: string) => (await stack.request('GET', `/workflows/ORDER/instances/${id}`)).json?.status as string | undefined;
  const order = (id: string) => ({ id, params: { orderId: id, amount: 5, email: 'buyer@example.com', coolOff: '2 seconds' } });

  it('are all allowed: create, a scheduled sleep, an event, terminate, restart, delete and a sweep', async () => {
    expect((await stack.request('POST', '/workflows/ORDER/instances', order('iam-1'))).status).toBe(201);
    await until(async () => (await statusOf('iam-1')) === 'waiting' && stack.scheduler.created.length > 0, 15_000, 'the cool-off schedule');
    await until(async () => stack.scheduler.created.length >= 2, 15_000, 'the approval wait');
    expect((await stack.request('POST', '/workflows/ORDER/instances/iam-1/events', { type: 'approval', payload: { approved: true, by: 'iam' } })).status).toBe(
      202,
    );
    await until(async () => (await statusOf('iam-1')) === 'complete', 15_000, 'completion');

    expect((await stack.request('POST', '/workflows/ORDER/instances/batch', [order('iam-2'), order('iam-3')])).status).toBe(201);
    await until(async () => (await statusOf('iam-2')) === 'waiting' && (await statusOf('iam-3')) === 'waiting', 15_000, 'the batch to sleep');
    expect((await stack.request('POST', '/workflows/ORDER/instances/iam-2/terminate')).status).toBe(202);
    expect((await stack.request('POST', '/workflows/ORDER/instances/iam-3/restart')).status).toBe(202);
    expect((await stack.request('DELETE', '/workflows/ORDER/instances/iam-1')).status).toBe(204);
    expect((await stack.request('GET', '/workflows/ORDER/instances/iam-1')).status).toBe(404);
    expect(await stack.invokeAsync(sweeperTick('iam-tick'))).toBe(202);
    await stack.lambda.idle();

    const allowed = allowedActions();
    const refused = sent.filter((command) => command.actions.some((action) => !allowed.has(action)));
    expect(refused, 'commands a deployed stack would refuse (AccessDeniedException)').toEqual([]);
    const commands = new Set(sent.map((command) => command.command));
    for (const command of ['BatchWriteItemCommand', 'TransactWriteItemsCommand', 'QueryCommand', 'CreateScheduleCommand', 'InvokeCommand']) {
      expect(commands, `the run sent ${command}`).toContain(command);
    }
  });
});
