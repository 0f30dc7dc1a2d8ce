// createEventBridgeScheduler: core's Scheduler port on Amazon EventBridge Scheduler. Each wake-up is a
// one-time `at(...)` schedule that invokes the host function with the wake message and deletes itself;
// a wake-up due now (or within `immediateWindowMs`) skips the schedule and invokes the function
// asynchronously at once (Lambda's `Event` invocation), which is how a replay that ran out of time
// hands over to a fresh invocation.

import { CreateScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { AdapterError, parseOptions, systemClock, wakeMessage, type Clock, type Scheduler, type WakeRequest } from '@cairn/core';
import { atExpression, scheduleName } from './names.js';

export interface EventBridgeSchedulerOptions {
  /** The EventBridge Scheduler client (from `@aws-sdk/client-scheduler`), created once by the caller. */
  client: SchedulerClient;
  /** The Lambda client (from `@aws-sdk/client-lambda`) for wake-ups that are due now. */
  lambdaClient: LambdaClient;
  /** ARN of the function that hosts the runtime (`@cairn/host-lambda`): the schedules' target. */
  targetArn: string;
  /** ARN of the role EventBridge Scheduler assumes to invoke `targetArn` (lambda:InvokeFunction on it only). */
  roleArn: string;
  /** The schedule group; it must exist. @default 'default' */
  groupName?: string;
  /** Starts every schedule name; 1-16 of [0-9a-zA-Z-_]. @default 'cairn' */
  namePrefix?: string;
  /**
   * Wake-ups due within this many ms are invoked at once instead of scheduled (the host waits in process
   * for the rest). EventBridge Scheduler fires with one-minute precision, so short waits are better here.
   * @default 5_000
   */
  immediateWindowMs?: number;
  /** How EventBridge Scheduler retries a failed invoke. @default { maximumEventAgeSeconds: 86_400, maximumRetryAttempts: 185 } */
  retryPolicy?: { maximumEventAgeSeconds?: number; maximumRetryAttempts?: number };
  /** An SQS queue ARN for wake-ups that could not be delivered. @default none */
  deadLetterArn?: string;
  /** Decides which wake-ups are due within `immediateWindowMs`. @default the system clock */
  clock?: Clock;
}

const SendSchema = z.custom<{ send: unknown }>(
  (value) => typeof value === 'object' && value !== null && typeof (value as { send?: unknown }).send === 'function',
  'an AWS SDK v3 client',
);
const ArnSchema = z.string().regex(/^arn:aws[a-z-]*:[a-z0-9-]+:/, 'an ARN');
const GroupSchema = z.string().regex(/^[0-9a-zA-Z\-_.]{1,64}$/, '1-64 of [0-9a-zA-Z-_.]');
const OptionsSchema = z.object({
  client: SendSchema,
  lambdaClient: SendSchema,
  targetArn: ArnSchema,
  roleArn: ArnSchema,
  groupName: GroupSchema.optional(),
  namePrefix: z
    .string()
    .regex(/^[0-9a-zA-Z\-_]{1,16}$/, '1-16 of [0-9a-zA-Z-_]')
    .optional(),
  immediateWindowMs: z
    .number()
    .int()
    .min(0)
    .max(15 * 60_000)
    .optional(),
  retryPolicy: z
    .object({
      maximumEventAgeSeconds: z.number().int().min(60).max(86_400).optional(),
      maximumRetryAttempts: z.number().int().min(0).max(185).optional(),
    })
    .strict()
    .optional(),
  deadLetterArn: ArnSchema.optional(),
  clock: z.custom<Clock>((value) => typeof value === 'object' && value !== null && typeof (value as Clock).now === 'function', 'a Clock').optional(),
});

const ADAPTER = 'eventbridge';

export function createEventBridgeScheduler(options: EventBridgeSchedulerOptions): Scheduler {
  parseOptions(OptionsSchema, options, { adapter: ADAPTER, factory: 'createEventBridgeScheduler' });
  const { client, lambdaClient, targetArn, roleArn } = options;
  const groupName = options.groupName ?? 'default';
  const prefix = options.namePrefix ?? 'cairn';
  const immediateWindowMs = options.immediateWindowMs ?? 5_000;
  const retryPolicy = {
    MaximumEventAgeInSeconds: options.retryPolicy?.maximumEventAgeSeconds ?? 86_400,
    MaximumRetryAttempts: options.retryPolicy?.maximumRetryAttempts ?? 185,
  };
  const clock = options.clock ?? systemClock;

  const invokeNow = async (wake: WakeRequest): Promise<void> => {
    let status: number | undefined;
    try {
      const result = await lambdaClient.send(
        new InvokeCommand({
          FunctionName: targetArn,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(wakeMessage(wake))),
        }),
      );
      status = result.StatusCode;
    } catch (error) {
      throw new AdapterError(ADAPTER, 'invoke', `async invoke of ${targetArn} failed: ${describe(error)}`, {
        cause: error,
        code: 'scheduler_error',
        option: 'targetArn',
      });
    }
    if (status !== 202) {
      throw new AdapterError(ADAPTER, 'invoke', `async invoke of ${targetArn} answered ${status}, expected 202`, {
        code: 'scheduler_error',
        option: 'targetArn',
      });
    }
  };

  const createSchedule = async (wake: WakeRequest): Promise<void> => {
    const name = scheduleName(prefix, wake.workflowName, wake.instanceId, wake.wakeSeq, wake.incarnation);
    try {
      await client.send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: groupName,
          ScheduleExpression: atExpression(wake.wakeAt),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          State: 'ENABLED',
          Target: {
            Arn: targetArn,
            RoleArn: roleArn,
            Input: JSON.stringify(wakeMessage(wake)),
            RetryPolicy: retryPolicy,
            ...(options.deadLetterArn ? { DeadLetterConfig: { Arn: options.deadLetterArn } } : {}),
          },
        }),
      );
    } catch (error) {
      // The same (instance, wakeSeq) was scheduled before: a retried call, already done.
      if (errorName(error) === 'ConflictException') return;
      const option = errorName(error) === 'ResourceNotFoundException' ? 'groupName' : undefined;
      throw new AdapterError(ADAPTER, 'schedule', `CreateSchedule ${groupName}/${name} failed: ${describe(error)}`, {
        cause: error,
        code: 'scheduler_error',
        option,
      });
    }
  };

  return {
    name: ADAPTER,
    async schedule(wake) {
      if (wake.wakeAt - clock.now() <= immediateWindowMs) await invokeNow(wake);
      else await createSchedule(wake);
    },
  };
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
