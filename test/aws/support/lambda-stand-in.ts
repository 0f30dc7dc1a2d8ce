// A local AWS Lambda for tests: the Invoke API that @aws-sdk/client-lambda talks to
// (POST /2015-03-31/functions/{FunctionName}/invocations) and a Function URL, both on 127.0.0.1.
//
// Faithful where Cairn depends on it:
// - `X-Amz-Invocation-Type: Event` answers 202 at once and runs the handler in the background; a failed
//   or timed-out async invocation is retried (Lambda retries twice), payloads over 256 KiB are refused.
// - Every invocation runs in an execution environment ("container") that handles one invocation at a
//   time; concurrent invocations get their own containers, each built by `createHandler` (a cold start),
//   so concurrent runs do not share module state, as in Lambda.
// - The Context's getRemainingTimeInMillis counts down from `timeoutMs`; an invocation still running at
//   the timeout is recorded as timed out, its environment is discarded and (async) it is retried. (Node
//   cannot kill the abandoned promise; tests assert that no invocation times out.)
// - Payloads go through JSON, as they do on the wire.
// - The Function URL sends APIGatewayProxyEventV2 (payload format 2.0) events and maps results back.
//   Auth is not checked (as with AuthType NONE).

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { close, isSigned, listen, readBody, sendAwsError, sendJson } from './http.ts';
import { lambdaContext } from './lambda-context.ts';

export type Handler = (event: any, context: Context) => Promise<unknown>;

export interface LambdaStandInOptions {
  functionName: string;
  /** Builds the handler of a new execution environment (called on every cold start). */
  createHandler: () => Handler;
  /** The function's timeout. @default 30_000 */
  timeoutMs?: number;
  /** Retries of a failed async invocation (Lambda's MaximumRetryAttempts, 0-2). @default 2 */
  asyncRetries?: number;
  /** Wait before an async retry (Lambda waits about a minute). @default 100 */
  retryDelayMs?: number;
  region?: string;
  accountId?: string;
}

export interface InvocationRecord {
  id: string;
  source: 'event' | 'request-response' | 'function-url';
  event: unknown;
  container: number;
  coldStart: boolean;
  startedAt: number;
  endedAt?: number;
  outcome: 'running' | 'ok' | 'error' | 'timeout';
  result?: unknown;
  error?: string;
}

export interface LambdaStandIn {
  /** For `new LambdaClient({ endpoint })`. */
  endpoint: string;
  /** The Function URL's base (`https://<id>.lambda-url.<region>.on.aws` in AWS). */
  functionUrl: string;
  functionArn: string;
  readonly invocations: readonly InvocationRecord[];
  /** Execution environments created so far (cold starts). */
  readonly coldStarts: number;
  /** What EventBridge Scheduler does at a schedule's time: an async invoke with `input` as the event. */
  invokeAsync(functionArn: string, input: string): void;
  /** Resolves once no invocation runs and no retry is pending. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

interface Container {
  id: number;
  handler: Handler;
  busy: boolean;
  used: boolean;
}

const ASYNC_LIMIT_BYTES = 256 * 1024;
const SYNC_LIMIT_BYTES = 6 * 1024 * 1024;
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown; timedOut: boolean };

export async function startLambdaStandIn(options: LambdaStandInOptions): Promise<LambdaStandIn> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const functionArn = `arn:aws:lambda:${region}:${accountId}:function:${options.functionName}`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const asyncRetries = options.asyncRetries ?? 2;
  const retryDelayMs = options.retryDelayMs ?? 100;
  const invocations: InvocationRecord[] = [];
  const containers: Container[] = [];
  const pending = new Set<Promise<unknown>>();
  let coldStarts = 0;
  let stopped = false;

  const track = (work: Promise<unknown>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  const acquire = (): { container: Container; coldStart: boolean } => {
    const idle = containers.find((container) => !container.busy);
    if (idle) {
      idle.busy = true;
      return { container: idle, coldStart: false };
    }
    coldStarts++;
    const container: Container = { id: coldStarts, handler: options.createHandler(), busy: true, used: false };
    containers.push(container);
    return { container, coldStart: true };
  };

  const run = async (payload: string, source: InvocationRecord['source']): Promise<Outcome> => {
    const event = JSON.parse(payload) as unknown;
    const { container, coldStart } = acquire();
    const record: InvocationRecord = { id: randomUUID(), source, event, container: container.id, coldStart, startedAt: Date.now(), outcome: 'running' };
    invocations.push(record);
    const context = lambdaContext({ functionName: options.functionName, functionArn, timeoutMs });
    const work = Promise.resolve().then(() => container.handler(event, context));
    track(work.catch(() => undefined));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const settled = await Promise.race([
      work.then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error, timedOut: false }),
      ),
      timeout,
    ]);
    clearTimeout(timer);
    record.endedAt = Date.now();
    if (settled === 'timeout') {
      record.outcome = 'timeout';
      record.error = `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`;
      // Lambda resets the environment after a timeout: this container takes no more invocations.
      containers.splice(containers.indexOf(container), 1);
      return { ok: false, error: new Error(record.error), timedOut: true };
    }
    container.busy = false;
    if (settled.ok) {
      record.outcome = 'ok';
      record.result = settled.value;
      return { ok: true, value: JSON.parse(JSON.stringify(settled.value ?? null)) as unknown };
    }
    record.outcome = 'error';
    record.error = settled.error instanceof Error ? `${settled.error.name}: ${settled.error.message}` : String(settled.error);
    return settled;
  };

  const runAsync = (payload: string) => {
    const attempt = async () => {
      for (let tries = 0; tries <= asyncRetries && !stopped; tries++) {
        if (tries > 0) await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
        const outcome = await run(payload, 'event');
        if (outcome.ok) return;
      }
    };
    track(attempt());
  };

  const matches = (name: string) => name === options.functionName || name === functionArn || name === `${accountId}:function:${options.functionName}`;

  const invokeApi = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
    if (request.method !== 'POST' || !match) return sendAwsError(response, 404, 'UnknownOperationException', 'Unknown operation');
    if (!isSigned(request)) return sendAwsError(response, 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    const name = decodeURIComponent(match[1]!);
    if (!matches(name)) {
      return sendAwsError(response, 404, 'ResourceNotFoundException', `Function not found: ${name}`, { Type: 'User', message: `Function not found: ${name}` });
    }
    const type = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const body = await readBody(request);
    const payload = body.length === 0 ? '{}' : body.toString('utf8');
    const limit = type === 'Event' ? ASYNC_LIMIT_BYTES : SYNC_LIMIT_BYTES;
    if (body.length > limit) {
      return sendAwsError(response, 413, 'RequestTooLargeException', `Request must be smaller than ${limit} bytes for the ${type} invocation type`, {
        Type: 'User',
        message: 'Request too large',
      });
    }
    try {
      JSON.parse(payload);
    } catch {
      return sendAwsError(response, 400, 'InvalidRequestContentException', 'Could not parse request body into json', {
        Type: 'User',
        message: 'Could not parse request body into json',
      });
    }
    if (type === 'Event') {
      runAsync(payload);
      response.writeHead(202, { 'x-amzn-requestid': randomUUID(), 'content-length': 0 });
      return void response.end();
    }
    if (type === 'DryRun') {
      response.writeHead(204, { 'x-amzn-requestid': randomUUID() });
      return void response.end();
    }
    if (type !== 'RequestResponse') return sendAwsError(response, 400, 'InvalidParameterValueException', `Unsupported invocation type ${type}`);
    const outcome = await run(payload, 'request-response');
    if (outcome.ok) return sendJson(response, 200, outcome.value, { 'x-amz-executed-version': '$LATEST' });
    const error = outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error));
    sendJson(
      response,
      200,
      { errorType: outcome.timedOut ? 'Sandbox.Timedout' : error.name, errorMessage: error.message, trace: [] },
      {
        'x-amz-executed-version': '$LATEST',
        'x-amz-function-error': 'Unhandled',
      },
    );
  };

  const urlId = randomUUID().replace(/-/g, '').slice(0, 32);
  const functionUrlApi = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const body = await readBody(request);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || name === 'cookie') continue;
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const contentType = headers['content-type'] ?? '';
    const textual = /^(text\/|application\/(json|xml|x-www-form-urlencoded))/.test(contentType);
    const now = new Date();
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: '$default',
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      requestContext: {
        accountId: 'anonymous',
        apiId: urlId,
        domainName: `${urlId}.lambda-url.${region}.on.aws`,
        domainPrefix: urlId,
        http: { method: request.method ?? 'GET', path: url.pathname, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
        requestId: randomUUID(),
        routeKey: '$default',
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      isBase64Encoded: body.length > 0 && !textual,
    };
    if (request.headers.cookie) event.cookies = request.headers.cookie.split(/;\s*/);
    if (url.searchParams.size > 0) event.queryStringParameters = Object.fromEntries(url.searchParams);
    if (body.length > 0) event.body = textual ? body.toString('utf8') : body.toString('base64');
    const outcome = await run(JSON.stringify(event), 'function-url');
    if (!outcome.ok) return sendJson(response, 502, { Message: 'Internal Server Error' });
    const value = outcome.value as APIGatewayProxyStructuredResultV2 | string | null;
    if (typeof value !== 'object' || value === null || typeof value.statusCode !== 'number') {
      return sendJson(response, 200, value);
    }
    const out = value.body === undefined ? Buffer.alloc(0) : Buffer.from(value.body, value.isBase64Encoded ? 'base64' : 'utf8');
    const outHeaders: Record<string, string | string[]> = {};
    for (const [name, header] of Object.entries(value.headers ?? {})) outHeaders[name] = String(header);
    if (value.cookies?.length) outHeaders['set-cookie'] = value.cookies;
    outHeaders['content-length'] = String(out.length);
    response.writeHead(value.statusCode, outHeaders);
    response.end(out);
  };

  const invoke = await listen(invokeApi);
  const urlServer = await listen(functionUrlApi);

  return {
    endpoint: invoke.url,
    functionUrl: urlServer.url,
    functionArn,
    invocations,
    get coldStarts() {
      return coldStarts;
    },
    invokeAsync(arn, input) {
      if (!matches(arn)) throw new Error(`ResourceNotFoundException: Function not found: ${arn}`);
      if (Buffer.byteLength(input) > ASYNC_LIMIT_BYTES) throw new Error('RequestTooLargeException');
      runAsync(input);
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled(pending);
    },
    async stop() {
      stopped = true;
      await Promise.all([close(invoke.server), close(urlServer.server)]);
    },
  };
}
