// Builds the order app's runtime from injected clients: the same code runs in Lambda (handler.ts) and
// against the local stand-ins (scripts/local.ts, test/aws).

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { createRuntime, type Runtime, type WorkflowStore } from '@cairn/core';
import { createDynamoDBStore } from '@cairn/store-dynamodb';
import { createEventBridgeScheduler } from '@cairn/scheduler-eventbridge';
import { demoPayments, OrderParamsSchema, OrderWorkflow, type PaymentGateway } from './workflow.ts';

export interface OrderAppConfig {
  dynamodb: DynamoDBClient;
  scheduler: SchedulerClient;
  lambda: LambdaClient;
  tableName: string;
  /** This function's ARN: the target of schedules and of immediate wake-ups. */
  functionArn: string;
  /** The role EventBridge Scheduler assumes to invoke the function. */
  schedulerRoleArn: string;
  scheduleGroup: string;
  payments?: PaymentGateway;
  /** Wake-ups due within this long are invoked at once rather than scheduled. @default 1_000 */
  immediateWindowMs?: number;
  /**
   * Sleeps and retry delays up to this long wait inside the invocation (never past its deadline).
   * Longer ones suspend the instance and cost nothing until the schedule fires. @default 5_000
   */
  maxInProcessWaitMs?: number;
  /** Override the store (tests use the memory store when DynamoDB Local is not wanted). */
  store?: WorkflowStore;
}

export function createOrderRuntime(config: OrderAppConfig): Runtime {
  return createRuntime({
    store: config.store ?? createDynamoDBStore({ client: config.dynamodb, tableName: config.tableName }),
    scheduler: createEventBridgeScheduler({
      client: config.scheduler,
      lambdaClient: config.lambda,
      targetArn: config.functionArn,
      roleArn: config.schedulerRoleArn,
      groupName: config.scheduleGroup,
      immediateWindowMs: config.immediateWindowMs ?? 1_000,
    }),
    workflows: { ORDER: { workflow: OrderWorkflow, params: OrderParamsSchema } },
    env: { payments: config.payments ?? demoPayments() },
    maxInProcessWaitMs: config.maxInProcessWaitMs ?? 5_000,
    retention: '30 days',
  });
}
