// A host's HTTP surface as one fetch-standard function: authenticate, then route to the wake endpoint (a
// scheduler's delivery), the sweep endpoint (a sweeper tick) or the REST API. Cloud Run, a Lambda Function
// URL and the Node host's server all translate their requests to it, so every HTTP decision is made here.

import { createLocalExplorerApi, LOCAL_EXPLORER_BASE_PATH } from '../explorer-api/api.js';
import { explorerWorkflowsOf } from '../explorer-api/workflows.js';
import { withRemoteParent } from '../telemetry/remote-parent.js';
import { CairnError } from '../errors.js';
import { createHttpApi, type HttpApi } from '../http/api.js';
import { parseJsonBody, readBodyBytes } from '../http/body.js';
import { HttpProblem, mapError } from '../http/http-errors.js';
import { jsonResponse, problemResponse } from '../http/json.js';
import { SweepMessageSchema, WakeMessageSchema } from '../http/messages.js';
import type { Runtime } from '../runtime.js';
import { DEFAULT_SWEEP_LIMIT } from '../shared/intervals.js';
import type { AuthVerdict, Principal, RequestAuthenticator, RouteClass } from './auth.js';
import type { WakeBudget } from './wake.js';

export type HostRuntime = Pick<
  Runtime<any>,
  'replay' | 'wake' | 'sweepDue' | 'fireSchedules' | 'store' | 'scheduler' | 'clock' | 'workflowNames' | 'workflow'
> &
  Partial<Pick<Runtime<any>, 'registered'>>;

export interface HostHttpOptions {
  runtime: HostRuntime;
  /** Every request must pass it; null serves without authentication (only for a loopback development server). */
  authenticate: RequestAuthenticator | null;
  /** What to say when credentials are missing or refused (the schemes this host takes). @default 'Valid credentials are required' */
  credentialsHint?: string;
  /** The budget of a request received at `receivedAt` (runtime clock): its end, margin and waits. */
  budgetOf(receivedAt: number): WakeBudget;
  /** @default '/_cairn/wake' */
  wakePath?: string;
  /** @default '/_cairn/sweep' */
  sweepPath?: string;
  /** A prefix of the REST API's routes. @default '' */
  apiBasePath?: string;
  /** Larger bodies are refused with 413. @default 2 MiB */
  maxBodyBytes?: number;
  /** Replays a sweep runs at once. @default 4 */
  sweepConcurrency?: number;
  /** Serve the wake and sweep endpoints (false: a host whose deliveries arrive otherwise, as Lambda's events do). @default true */
  serveDeliveries?: boolean;
  /** The REST API, or false for none. @default createHttpApi({ runtime, basePath: apiBasePath }) */
  api?: HttpApi | false;
  /**
   * Cloudflare's local explorer API (instance lists with counts, instance details with steps, the status routes) at
   * `<apiBasePath>/cdn-cgi/local/explorer/api`, behind the same authentication as the REST API, so an operator
   * inspects a deployed host without database credentials. False serves none. @default served with the REST API
   */
  explorer?: boolean;
  /** Failures the caller sees only as a 500. */
  onError(error: unknown, context: { operation: string; path: string }): void;
  onAuthFailure(reason: string, request: Request): void;
}

export type HostHttpHandler = (request: Request) => Promise<Response>;

export const DEFAULT_WAKE_PATH = '/_cairn/wake';
export const DEFAULT_SWEEP_PATH = '/_cairn/sweep';
export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;

export function createHostHttp(options: HostHttpOptions): HostHttpHandler {
  const { runtime } = options;
  const wakePath = options.wakePath ?? DEFAULT_WAKE_PATH;
  const sweepPath = options.sweepPath ?? DEFAULT_SWEEP_PATH;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const api =
    options.api === false
      ? undefined
      : (options.api ??
        createHttpApi({
          runtime,
          basePath: options.apiBasePath,
          maxBodyBytes,
          onError: (error, request) => options.onError(error, { operation: 'api', path: new URL(request.url).pathname }),
        }));
  const explorer =
    options.explorer === false || options.api === false || !runtime.registered
      ? undefined
      : createLocalExplorerApi({
          runtime,
          workflows: explorerWorkflowsOf(runtime.registered, 'cairn'),
          basePath: `${options.apiBasePath ?? ''}${LOCAL_EXPLORER_BASE_PATH}`,
          onError: (error) => options.onError(error, { operation: 'explorer', path: LOCAL_EXPLORER_BASE_PATH }),
        });
  const refuse = (reason: string, request: Request) => {
    options.onAuthFailure(reason, request);
    return problemResponse(401, 'unauthenticated', options.credentialsHint ?? 'Valid credentials are required', { 'www-authenticate': 'Bearer' });
  };

  return async (request) => {
    const receivedAt = runtime.clock.now();
    // Credentials first, from the headers alone: nothing of the body is read for a caller without them.
    const verdict: AuthVerdict = options.authenticate ? await options.authenticate(request) : { ok: true, principal: ANONYMOUS };
    if (!verdict.ok) return refuse(verdict.reason, request);
    let body: Uint8Array | undefined;
    try {
      body = await readBodyBytes(request, maxBodyBytes);
    } catch (error) {
      return problemFor(error);
    }
    const checked = verdict.verifyBody ? await verdict.verifyBody(body) : verdict;
    if (!checked.ok) return refuse(checked.reason, request);

    const path = new URL(request.url).pathname;
    const delivery = options.serveDeliveries !== false && (path === wakePath || path === sweepPath);
    const routeClass: RouteClass = delivery ? 'scheduler' : 'api';
    if (!checked.principal.routes.includes(routeClass)) {
      options.onAuthFailure(`${describe(checked.principal)} may not reach ${routeClass} routes`, request);
      return problemResponse(403, 'forbidden', `These credentials do not reach the ${routeClass === 'api' ? 'REST API' : 'wake and sweep endpoints'}`);
    }
    if (delivery) {
      if (request.method !== 'POST') return problemResponse(405, 'method_not_allowed', 'Use POST for this path', { allow: 'POST' });
      const report = (error: unknown) => options.onError(error, { operation: path === wakePath ? 'wake' : 'sweep', path });
      const contentType = request.headers.get('content-type');
      const budget = options.budgetOf(receivedAt);
      return path === wakePath
        ? wake(runtime, body, contentType, budget, report)
        : sweep(runtime, body, contentType, budget, options.sweepConcurrency ?? 4, report);
    }
    if (!api) return problemResponse(404, 'route_not_found', 'This host serves no REST API');
    const inspected = explorer ? await explorer(withBody(request, body)) : null;
    if (inspected) return inspected;
    return withRemoteParent(request.headers.get('traceparent'), () => (api.withBody ? api.withBody(request, body) : api(withBody(request, body))));
  };
}

/** The request again, with the body already read (a GET or HEAD has none). */
function withBody(request: Request, body: Uint8Array | undefined): Request {
  const bodyless = request.method === 'GET' || request.method === 'HEAD';
  return new Request(request.url, { method: request.method, headers: request.headers, body: bodyless ? undefined : body });
}

const ANONYMOUS: Principal = { kind: 'anonymous', routes: ['api', 'scheduler'] };

function describe(principal: Principal): string {
  if (principal.kind === 'oidc') return `the ID token of ${principal.email ?? principal.subject ?? 'an unnamed subject'}`;
  return principal.kind === 'hmac' ? 'a signed request' : 'an anonymous caller';
}

/** An HTTP problem (bad body, too large) as its answer. */
function problemFor(error: unknown): Response {
  if (!(error instanceof HttpProblem)) throw error;
  const { status, body } = mapError(error);
  return jsonResponse(status, body);
}

/** One wake delivery: one `runtime.wake`, answered so the scheduler retries what must be retried. */
async function wake(
  runtime: HostRuntime,
  body: Uint8Array | undefined,
  contentType: string | null,
  budget: WakeBudget,
  onError: (error: unknown) => void,
): Promise<Response> {
  let value: unknown;
  try {
    value = parseJsonBody(body, contentType);
  } catch (error) {
    return problemFor(error);
  }
  const parsed = WakeMessageSchema.safeParse(value);
  if (!parsed.success) return problemResponse(400, 'invalid_wake', 'Expected a wake message { kind: "cairn.wake", workflowName, instanceId, wakeSeq, wakeAt }');
  const message = parsed.data;
  if (!runtime.workflowNames.includes(message.workflowName))
    return problemResponse(404, 'unknown_workflow', `No workflow is bound as "${message.workflowName}"`);
  try {
    const result = await runtime.wake(message, budget);
    if (result.outcome === 'busy') {
      // Another runner holds the lease: ask the scheduler to come back, in case that runner dies.
      const seconds = Math.max(1, Math.ceil(((result.wakeAt ?? runtime.clock.now()) - runtime.clock.now()) / 1000));
      return problemResponse(503, 'instance_busy', 'Another runner holds this instance; retry later', { 'retry-after': String(seconds) });
    }
    return jsonResponse(200, result.outcome === 'not_found' ? { outcome: 'not_found' } : result);
  } catch (error) {
    // A store failure: nothing was lost (the instance is due again); a non-2xx makes the scheduler retry.
    onError(error);
    return problemResponse(500, CairnError.is(error) ? error.code : 'internal_error', 'The replay failed; the scheduler will retry');
  }
}

/** One sweeper tick: replays what is due within the request's deadline. */
async function sweep(
  runtime: HostRuntime,
  body: Uint8Array | undefined,
  contentType: string | null,
  budget: WakeBudget,
  concurrency: number,
  onError: (error: unknown) => void,
): Promise<Response> {
  let limit = DEFAULT_SWEEP_LIMIT;
  let value: unknown;
  try {
    value = parseJsonBody(body, contentType);
  } catch (error) {
    return problemFor(error);
  }
  if (value !== undefined) {
    const parsed = SweepMessageSchema.safeParse(value);
    if (!parsed.success) return problemResponse(400, 'invalid_sweep', 'Expected no body or { kind: "cairn.sweep", limit?: 1..1000 }');
    limit = parsed.data.limit ?? limit;
  }
  const deadline = budget.endsAt - (budget.safetyMarginMs ?? 0);
  let report;
  try {
    report = await runtime.sweepDue({ limit, deadline, concurrency, ...(budget.host ? { host: budget.host } : {}) });
  } catch (error) {
    onError(error);
    return problemResponse(500, 'store_error', 'Firing cron schedules or listing due instances failed');
  }
  for (const failure of report.errors) onError(failure.error);
  return jsonResponse(report.failed > 0 ? 500 : 200, { due: report.due, replayed: report.replayed, outcomes: report.outcomes, failed: report.failed });
}
