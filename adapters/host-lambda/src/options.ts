// Options of createLambdaHandler, validated once.

import { z } from 'zod';
import { DEFAULT_SWEEP_LIMIT, type HttpApi, type Runtime } from '@cairn/core';

export type RuntimeLike = Pick<
  Runtime,
  'replay' | 'wake' | 'sweep' | 'sweepDue' | 'fireSchedules' | 'store' | 'scheduler' | 'clock' | 'workflowNames' | 'workflow'
>;

export interface LambdaHandlerOptions {
  /**
   * The runtime, or a function that creates it on first use (recommended: SDK clients and the runtime are
   * then built once per container, on the first invocation, and nothing runs at import time).
   */
  runtime: RuntimeLike | (() => RuntimeLike | Promise<RuntimeLike>);
  /**
   * Stop starting new steps this long before the invocation times out. It must cover the longest step
   * attempt you run, since a step already started is never cut short.
   * @default 20% of the invocation's time, at most 10_000
   */
  safetyMarginMs?: number;
  /** Serves Function URL / HTTP API requests; `false` refuses them. @default core's REST API (createHttpApi) */
  httpApi?: HttpApi | false;
  /** Path prefix of the REST API (an HTTP API stage, say). @default '' */
  basePath?: string;
  /**
   * A sweeper tick either asks the scheduler for an immediate wake-up of each due instance, so each runs
   * in its own invocation with its own deadline ('fan-out'), or replays them all in this invocation
   * without a deadline ('in-process', runtime.sweep()).
   * @default 'fan-out'
   */
  sweepMode?: 'fan-out' | 'in-process';
  /** Instances per sweeper tick. @default 100 */
  sweepLimit?: number;
  /**
   * Sleeps and retry delays up to this long wait inside the invocation, if they also fit in its remaining
   * time; longer ones suspend the instance and become a schedule. EventBridge Scheduler fires within about
   * a minute, so waiting in process is sooner for short waits. 'remaining' waits for anything that fits
   * before the deadline. Waits never outlast the deadline either way.
   * @default the runtime's `maxInProcessWaitMs` (1 s unless set)
   */
  maxInProcessWaitMs?: number | 'remaining';
  /**
   * A wake-up delivered at most this long before its time waits for it inside the invocation; one delivered
   * earlier is re-armed and the invocation returns at once. Match the scheduler's `immediateWindowMs`
   * (wake-ups it invokes at once rather than schedules). @default 5_000
   */
  earlyWaitMs?: number;
}

export const HandlerOptionsSchema = z.object({
  runtime: z.union([
    z.custom<() => RuntimeLike>((value) => typeof value === 'function'),
    z.custom<RuntimeLike>((value) => typeof value === 'object' && value !== null && typeof (value as Runtime).wake === 'function', 'a Runtime'),
  ]),
  safetyMarginMs: z.number().int().min(0).optional(),
  httpApi: z.union([z.literal(false), z.custom<HttpApi>((value) => typeof value === 'function')]).optional(),
  basePath: z.string().default(''),
  sweepMode: z.enum(['fan-out', 'in-process']).default('fan-out'),
  sweepLimit: z.number().int().min(1).max(1000).default(DEFAULT_SWEEP_LIMIT),
  maxInProcessWaitMs: z.union([z.number().int().min(0), z.literal('remaining')]).optional(),
  earlyWaitMs: z.number().int().min(0).max(60_000).default(5_000),
});
