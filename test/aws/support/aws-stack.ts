// A whole Cairn-on-AWS deployment on 127.0.0.1: DynamoDB Local + the DynamoDB store, the EventBridge
// Scheduler stand-in, and the Lambda stand-in running `@cairn/host-lambda`'s handler. Every Lambda
// execution environment builds its own SDK clients and runtime, as a deployed function does.

import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Runtime, WorkflowStore } from '@cairn/core';
import { createLambdaHandler } from '@cairn/host-lambda';
import { createDynamoDBStore, createDynamoDBTable } from '@cairn/store-dynamodb';
import type { DynamoDBLocal } from '../../emulators/dynamodb-local.ts';
import { lambdaClient, SCHEDULER_ROLE_ARN, schedulerClient } from './clients.ts';
import { startLambdaStandIn, type LambdaStandIn } from './lambda-stand-in.ts';
import { startSchedulerStandIn, type SchedulerStandIn } from './scheduler-stand-in.ts';

export const SCHEDULE_GROUP = 'cairn-test';

export interface StackClients {
  dynamodb: DynamoDBClient;
  scheduler: SchedulerClient;
  lambda: LambdaClient;
  tableName: string;
  functionArn: string;
  schedulerRoleArn: string;
  scheduleGroup: string;
}

export interface AwsStackOptions {
  dynamodb: DynamoDBLocal;
  /** Builds one execution environment's runtime from its clients. */
  createRuntime: (clients: StackClients) => Runtime;
  timeoutMs?: number;
  safetyMarginMs?: number;
  /** Deliveries per schedule (duplicates). @default 1 */
  deliveries?: number;
  /** Told of every command the function's SDK clients send (`DynamoDBClient`, `PutItemCommand`, its input). */
  onCommand?: (clientName: string, commandName: string, input: unknown) => void;
}

/** Calls `onCommand` for every command `client` sends, before it is signed and sent. */
function recordCommands(client: { middlewareStack: { add: (...args: never[]) => void } }, onCommand: AwsStackOptions['onCommand']): void {
  if (!onCommand) return;
  const middleware =
    (next: (args: { input: unknown }) => Promise<unknown>, context: { clientName: string; commandName: string }) => (args: { input: unknown }) => {
      onCommand(context.clientName, context.commandName, args.input);
      return next(args);
    };
  (client.middlewareStack.add as (m: typeof middleware, options: { step: string; name: string }) => void)(middleware, {
    step: 'initialize',
    name: 'cairnRecordCommands',
  });
}

export interface AwsStack {
  lambda: LambdaStandIn;
  scheduler: SchedulerStandIn;
  /** A store on its own client, for assertions. */
  store: WorkflowStore;
  tableName: string;
  /** A request to the Function URL. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any }>;
  /** An async invoke through the Lambda API, as any AWS caller makes it. */
  invokeAsync(event: unknown): Promise<number | undefined>;
  stop(): Promise<void>;
}

const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

export async function startAwsStack(options: AwsStackOptions): Promise<AwsStack> {
  const tableName = `cairn-${randomUUID().slice(0, 8)}`;
  const destroyers: (() => void)[] = [];
  const dynamoClient = () => {
    const client = new DynamoDBClient({ endpoint: options.dynamodb.endpoint, region: 'us-east-1', credentials });
    destroyers.push(() => client.destroy());
    return client;
  };
  const admin = dynamoClient();
  await createDynamoDBTable({ client: admin, tableName });

  let lambda: LambdaStandIn | undefined;
  let scheduler: SchedulerStandIn | undefined;
  lambda = await startLambdaStandIn({
    functionName: 'cairn-orders',
    timeoutMs: options.timeoutMs ?? 30_000,
    createHandler: () =>
      createLambdaHandler({
        runtime: () => {
          const clients: StackClients = {
            dynamodb: dynamoClient(),
            scheduler: schedulerClient(scheduler!.endpoint),
            lambda: lambdaClient(lambda!.endpoint),
            tableName,
            functionArn: lambda!.functionArn,
            schedulerRoleArn: SCHEDULER_ROLE_ARN,
            scheduleGroup: SCHEDULE_GROUP,
          };
          destroyers.push(
            () => clients.scheduler.destroy(),
            () => clients.lambda.destroy(),
          );
          for (const client of [clients.dynamodb, clients.scheduler, clients.lambda]) recordCommands(client, options.onCommand);
          return options.createRuntime(clients);
        },
        safetyMarginMs: options.safetyMarginMs,
      }),
  });
  scheduler = await startSchedulerStandIn({
    groups: [SCHEDULE_GROUP],
    deliveries: options.deliveries,
    invoke: (arn, input) => lambda!.invokeAsync(arn, input),
  });
  const caller = lambdaClient(lambda.endpoint);
  destroyers.push(() => caller.destroy());
  const functionUrl = lambda.functionUrl;

  return {
    lambda,
    scheduler,
    store: createDynamoDBStore({ client: admin, tableName }),
    tableName,
    async request(method, path, body, headers = {}) {
      const response = await fetch(`${functionUrl}${path}`, {
        method,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
    },
    async invokeAsync(event) {
      const result = await caller.send(
        new InvokeCommand({ FunctionName: lambda!.functionArn, InvocationType: 'Event', Payload: new TextEncoder().encode(JSON.stringify(event)) }),
      );
      return result.StatusCode;
    },
    async stop() {
      await scheduler?.stop();
      await lambda?.idle();
      await lambda?.stop();
      for (const destroy of destroyers) destroy();
    },
  };
}

export async function until<T>(check: () => Promise<T | undefined | false>, ms = 20_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
