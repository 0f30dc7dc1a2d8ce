// createLambdaHandler: one Lambda handler for everything a Cairn deployment on AWS receives, each translated
// to one core call:
//   - a wake message (an EventBridge Scheduler schedule, an async invoke) -> runtime.wake, with the
//     invocation's remaining time as the budget;
//   - the sweeper tick (an EventBridge rule's scheduled event, or `{ kind: 'cairn.sweep' }`) -> runtime.sweepDue;
//   - HTTP requests through a Function URL, an API Gateway HTTP API (payload 2.0 or 1.0), an API Gateway REST API
//     or an Application Load Balancer -> core's host surface.
//
// Long workflows: a replay that reaches the deadline with work left records the instance as due now and asks
// the scheduler for an immediate wake-up, which `@cairn/scheduler-eventbridge` turns into an async invoke: a
// fresh invocation with a fresh 15 minutes goes on where this one stopped.

import { createHostHttp, parseOptions, problemResponse, ValidationError, type HostHttpHandler, type WakeBudget } from '@cairn/core';
import { classifyEvent, ContextSchema, type LambdaContextLike } from './events.js';
import { eventToRequest, responseToResult, type HttpResultV2 } from './http-bridge.js';
import { eventV1ToRequest, responseToResultV1, type HttpResultV1 } from './http-bridge-v1.js';
import { HandlerOptionsSchema, type LambdaHandlerOptions, type RuntimeLike } from './options.js';

export type { LambdaHandlerOptions } from './options.js';

export type WakeResult = { kind: 'wake'; outcome: string; status: string | null; wakeAt: number | null };
export type SweepResult = { kind: 'sweep'; due: number };
export type LambdaResult = WakeResult | SweepResult | HttpResultV2 | HttpResultV1;
export type LambdaHandler = (event: unknown, context: LambdaContextLike) => Promise<LambdaResult>;

/** What a wake may spend: the invocation's remaining time, less the margin. */
function invocationBudget(
  settings: Pick<WakeBudget, 'safetyMarginMs' | 'maxInProcessWaitMs' | 'earlyWaitMs'>,
  receivedAt: number,
  context: LambdaContextLike,
): WakeBudget {
  return {
    endsAt: receivedAt + context.getRemainingTimeInMillis(),
    safetyMarginMs: settings.safetyMarginMs,
    maxInProcessWaitMs: settings.maxInProcessWaitMs,
    earlyWaitMs: settings.earlyWaitMs,
    host: 'lambda',
  };
}

export function createLambdaHandler(options: LambdaHandlerOptions): LambdaHandler {
  const settings = parseOptions(HandlerOptionsSchema, options, { adapter: 'lambda', factory: 'createLambdaHandler' });

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
  let front: HostHttpHandler | undefined;
  const getFront = async (): Promise<HostHttpHandler> => {
    const rt = await getRuntime();
    front ??= createHostHttp({
      runtime: rt,
      // A Function URL's caller is authenticated by AWS (AuthType AWS_IAM) before the function runs.
      authenticate: null,
      // Wake-ups and sweeper ticks reach this function as events, never over HTTP.
      serveDeliveries: false,
      budgetOf: (receivedAt) => budget(receivedAt, current!),
      apiBasePath: settings.basePath,
      api: options.httpApi,
      onError: (error, where) => console.error(`[cairn] [lambda] ${where.operation} ${where.path} failed:`, error),
      onAuthFailure: () => undefined,
    });
    return front;
  };
  /** The invocation being handled (Lambda runs one at a time per container). */
  let current: LambdaContextLike | undefined;
  const budget = (receivedAt: number, context: LambdaContextLike) => invocationBudget(settings, receivedAt, context);

  return async (event, context) => {
    if (!ContextSchema.safeParse(context).success) {
      throw new ValidationError('Lambda context', 'the Context object Lambda passes (with getRemainingTimeInMillis)', typeof context);
    }
    current = context;
    const classified = classifyEvent(event);
    if (!classified) {
      throw new ValidationError(
        'Lambda event',
        'a Cairn wake message, an EventBridge scheduled event, { kind: "cairn.sweep" }, or a Function URL, API Gateway (REST or HTTP API) or ALB request',
        describeEvent(event),
      );
    }
    switch (classified.kind) {
      case 'wake': {
        const rt = await getRuntime();
        // 'continue': the engine has already asked the scheduler for an immediate wake-up (a fresh invocation).
        // 'busy': another invocation holds the instance; if it died, its lease expiry makes the instance due.
        const result = await rt.wake(classified.message, budget(rt.clock.now(), context));
        return { kind: 'wake', outcome: result.outcome, status: result.status, wakeAt: result.wakeAt };
      }
      case 'sweep':
        return sweep(await getRuntime(), classified.limit ?? settings.sweepLimit, settings.sweepMode);
      case 'http': {
        if (options.httpApi === false) return responseToResult(problemResponse(404, 'route_not_found', 'This function serves no HTTP API'));
        const host = await getFront();
        const request = toRequest(classified.event.requestContext.http.method, () => eventToRequest(classified.event));
        return responseToResult(request instanceof Response ? request : await host(request));
      }
      case 'http-v1': {
        const { event: request, source } = classified;
        if (options.httpApi === false) return responseToResultV1(problemResponse(404, 'route_not_found', 'This function serves no HTTP API'), request, source);
        const host = await getFront();
        const built = toRequest(request.httpMethod, () => eventV1ToRequest(request, source));
        return responseToResultV1(built instanceof Response ? built : await host(built), request, source);
      }
    }
  };
}

/** A sweeper tick: every due instance handed to the scheduler (one invocation each), or replayed here. */
async function sweep(rt: RuntimeLike, limit: number, mode: 'fan-out' | 'in-process'): Promise<SweepResult> {
  if (mode === 'in-process') return { kind: 'sweep', due: await rt.sweep({ limit }) };
  const report = await rt.sweepDue({ limit, mode: 'fan-out', host: 'lambda' });
  if (report.failed > 0) {
    throw new AggregateError(
      report.errors.map((failure) => failure.error),
      `[cairn] sweep: ${report.failed} of ${report.due} wake-ups failed`,
    );
  }
  return { kind: 'sweep', due: report.due };
}

/** Methods fetch refuses to carry (and that no route serves). */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/** A request the platform passed on that is no valid URL (a bad Host header, say) is the client's mistake: 400. */
function toRequest(method: string, build: () => Request): Request | Response {
  if (FORBIDDEN_METHODS.has(method.toUpperCase())) {
    return problemResponse(405, 'method_not_allowed', `${method.toUpperCase()} is not served`, { allow: 'GET, POST, DELETE' });
  }
  try {
    return build();
  } catch (error) {
    return problemResponse(400, 'invalid_request', `The request cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function describeEvent(event: unknown): string {
  if (typeof event !== 'object' || event === null) return typeof event;
  return `an object with keys ${Object.keys(event).slice(0, 8).join(', ')}`;
}
