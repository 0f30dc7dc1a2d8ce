// createLambdaHandler: one Lambda handler for everything a Cairn deployment on AWS receives:
//   - a wake message (from an EventBridge Scheduler schedule or an async invoke): replay that instance
//     until it blocks, finishes, or the invocation nears its end;
//   - the sweeper tick (an EventBridge rule's scheduled event, or `{ kind: 'cairn.sweep' }`);
//   - REST calls through a Function URL or an API Gateway HTTP API (payload 2.0).
//
// Long workflows: the replay gets a deadline of the invocation's end minus `safetyMarginMs`. When it
// comes with work left, the engine records the instance as due now and asks the scheduler for an
// immediate wake-up, which `@cairn/scheduler-eventbridge` turns into an async invoke: a fresh invocation
// with a fresh 15 minutes goes on where this one stopped.

import { z } from 'zod';
import {
  createHttpApi,
  UnknownWorkflowError,
  ValidationError,
  type HttpApi,
  type ReplayReport,
  type Runtime,
  type WakeMessage,
} from '@cairn/core';
import { classifyEvent, ContextSchema, type LambdaContextLike } from './events.js';
import { eventToRequest, responseToResult, type HttpResultV2 } from './http-bridge.js';

type RuntimeLike = Pick<Runtime, 'replay' | 'sweep' | 'fireSchedules' | 'store' | 'scheduler' | 'clock' | 'workflowNames' | 'workflow'>;

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
  /** Serves Function URL / HTTP API requests; `false` refuses them. @default createHttpApi({ runtime, basePath }) */
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
}

export type WakeResult = { kind: 'wake' } & Pick<ReplayReport, 'outcome' | 'status' | 'wakeAt'>;
export type SweepResult = { kind: 'sweep'; due: number };
export type LambdaResult = WakeResult | SweepResult | HttpResultV2;
export type LambdaHandler = (event: unknown, context: LambdaContextLike) => Promise<LambdaResult>;

const OptionsSchema = z.object({
  runtime: z.union([
    z.custom<() => RuntimeLike>((value) => typeof value === 'function'),
    z.custom<RuntimeLike>((value) => typeof value === 'object' && value !== null && typeof (value as Runtime).replay === 'function', 'a Runtime'),
  ]),
  safetyMarginMs: z.number().int().min(0).optional(),
  httpApi: z.union([z.literal(false), z.custom<HttpApi>((value) => typeof value === 'function')]).optional(),
  basePath: z.string().optional(),
  sweepMode: z.enum(['fan-out', 'in-process']).optional(),
  sweepLimit: z.number().int().min(1).max(1000).optional(),
  maxInProcessWaitMs: z.union([z.number().int().min(0), z.literal('remaining')]).optional(),
});

/** Below this much time after the margin, an invocation would only hand over again: refuse instead. */
const MIN_BUDGET_MS = 500;

export function createLambdaHandler(options: LambdaHandlerOptions): LambdaHandler {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ValidationError('createLambdaHandler options', z.prettifyError(parsed.error).replace(/\n/g, '; '), undefined, { cause: parsed.error });
  }
  const sweepMode = options.sweepMode ?? 'fan-out';
  const sweepLimit = options.sweepLimit ?? 100;

  let runtime: Promise<RuntimeLike> | undefined;
  const getRuntime = (): Promise<RuntimeLike> => {
    if (!runtime) {
      const source = options.runtime;
      runtime = Promise.resolve(typeof source === 'function' ? source() : source);
      // A failed start is retried by the next invocation rather than cached.
      runtime.catch(() => {
        runtime = undefined;
      });
    }
    return runtime;
  };
  let api: HttpApi | undefined;
  const getApi = async (): Promise<HttpApi | undefined> => {
    if (options.httpApi === false) return undefined;
    api ??= options.httpApi ?? createHttpApi({ runtime: await getRuntime(), basePath: options.basePath });
    return api;
  };

  const wake = async (message: WakeMessage, context: LambdaContextLike): Promise<WakeResult> => {
    const started = Date.now();
    const remaining = context.getRemainingTimeInMillis();
    const margin = options.safetyMarginMs ?? Math.min(10_000, Math.floor(remaining * 0.2));
    const deadline = started + remaining - margin;
    if (deadline - started < MIN_BUDGET_MS) {
      throw new ValidationError(
        'safetyMarginMs',
        `a margin that leaves at least ${MIN_BUDGET_MS}ms of the invocation's ${remaining}ms (raise the function timeout or lower the margin)`,
        margin,
      );
    }
    const rt = await getRuntime();
    if (!rt.workflowNames.includes(message.workflowName)) throw new UnknownWorkflowError(message.workflowName, rt.workflowNames);
    // Delivered early (an immediate invoke for a wake-up a few seconds away): wait here if it fits.
    const early = message.wakeAt - Date.now();
    if (early > 0 && message.wakeAt < deadline) await new Promise((resolve) => setTimeout(resolve, early));
    const fits = Math.max(0, deadline - Date.now());
    const limit = options.maxInProcessWaitMs;
    const waits = limit === undefined ? {} : { maxInProcessWaitMs: limit === 'remaining' ? fits : Math.min(limit, fits) };
    const report = await rt.replay({ workflowName: message.workflowName, instanceId: message.instanceId }, { deadline, ...waits });
    // 'continue': the engine has already asked the scheduler for an immediate wake-up (a fresh invocation).
    // 'busy': another invocation holds the instance; it goes on, and if it died its lease expiry makes the
    // instance due for the sweeper.
    return { kind: 'wake', outcome: report.outcome, status: report.status, wakeAt: report.wakeAt };
  };

  const sweep = async (limit: number | undefined): Promise<SweepResult> => {
    const rt = await getRuntime();
    const max = limit ?? sweepLimit;
    if (sweepMode === 'in-process') return { kind: 'sweep', due: await rt.sweep({ limit: max }) };
    // Cron schedules first (what came due while no invocation ran): their instances are then due too.
    await rt.fireSchedules();
    const due = await rt.store.listDueInstances({ now: rt.clock.now(), limit: max });
    const results = await Promise.allSettled(
      due.map((ref) =>
        rt.scheduler.schedule({ workflowName: ref.workflowName, instanceId: ref.instanceId, wakeAt: rt.clock.now(), wakeSeq: -1 }),
      ),
    );
    const failed = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed.length > 0) throw new AggregateError(failed.map((result) => result.reason as unknown), `[cairn] sweep: ${failed.length} of ${due.length} wake-ups failed`);
    return { kind: 'sweep', due: due.length };
  };

  return async (event, context) => {
    if (!ContextSchema.safeParse(context).success) {
      throw new ValidationError('Lambda context', 'the Context object Lambda passes (with getRemainingTimeInMillis)', typeof context);
    }
    const classified = classifyEvent(event);
    if (!classified) {
      throw new ValidationError(
        'Lambda event',
        'a Cairn wake message, an EventBridge scheduled event, { kind: "cairn.sweep" } or a Function URL / HTTP API v2 request',
        describeEvent(event),
      );
    }
    switch (classified.kind) {
      case 'wake':
        return wake(classified.message, context);
      case 'sweep':
        return sweep(classified.limit);
      case 'http': {
        const httpApi = await getApi();
        if (!httpApi) return { statusCode: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: 'route_not_found', name: 'HttpProblem', message: 'This function serves no HTTP API' } }) };
        return responseToResult(await httpApi(eventToRequest(classified.event)));
      }
    }
  };
}

function describeEvent(event: unknown): string {
  if (typeof event !== 'object' || event === null) return typeof event;
  return `an object with keys ${Object.keys(event).slice(0, 8).join(', ')}`;
}
