// The Lambda entry point (bundled by SAM with esbuild). Nothing runs at import time: the SDK clients and
// the runtime are created on the first invocation of each execution environment and reused after.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { createLambdaHandler } from '@cairn/host-lambda';
import { createOrderRuntime } from './src/app.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set (see template.yaml)`);
  return value;
}

export const handler = createLambdaHandler({
  runtime: () =>
    createOrderRuntime({
      dynamodb: new DynamoDBClient({}),
      scheduler: new SchedulerClient({}),
      lambda: new LambdaClient({}),
      tableName: required('CAIRN_TABLE'),
      functionArn: required('CAIRN_FUNCTION_ARN'),
      schedulerRoleArn: required('CAIRN_SCHEDULER_ROLE_ARN'),
      scheduleGroup: required('CAIRN_SCHEDULE_GROUP'),
    }),
  // The longest step attempt (30 s charge timeout) must fit in the margin.
  safetyMarginMs: 35_000,
});
