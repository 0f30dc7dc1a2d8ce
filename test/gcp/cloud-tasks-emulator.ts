// A local Cloud Tasks (v2) for tests: the REST surface the real `@google-cloud/tasks` client uses with
// `fallback: true` (POST /v2/{queue}/tasks, JSON, numeric enums), validated as the service does, and a
// dispatcher that delivers each HTTP task at its scheduleTime with a signed OIDC token, retrying non-2xx
// answers with exponential backoff. 127.0.0.1 only.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OidcSigner } from './oidc-signer.js';

const TASK_ID = /^[A-Za-z0-9_-]{1,500}$/;
const CREATE_PATH = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/queues\/[^/]+)\/tasks$/;
const MAX_AHEAD_MS = 720 * 60 * 60 * 1000;
const HTTP_METHODS = ['HTTP_METHOD_UNSPECIFIED', 'POST', 'GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

export interface EmulatedTask {
  name: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer;
  oidc?: { serviceAccountEmail: string; audience: string };
  scheduleTime: number;
  createTime: number;
  dispatchDeadlineMs: number;
  dispatchCount: number;
  responseCount: number;
  state: 'pending' | 'dispatching' | 'done' | 'failed';
}

export interface Dispatch {
  name: string;
  attempt: number;
  status: number | 'error';
  at: number;
}

export interface CloudTasksEmulatorOptions {
  signer: OidcSigner;
  /** First retry delay after a failed attempt. @default 100 */
  minBackoffMs?: number;
  /** @default 2000 */
  maxBackoffMs?: number;
  /** @default 100 (Cloud Tasks' default) */
  maxAttempts?: number;
  /** Deliver each attempt this many times at once (Cloud Tasks is at-least-once). @default 1 */
  duplicates?: number;
  /** How long a used task name stays taken. @default 1 hour (queues made with Cloud Tasks) */
  dedupWindowMs?: number;
}

export interface CloudTasksEmulator {
  readonly host: string;
  readonly port: number;
  createQueue(path: string): void;
  readonly tasks: ReadonlyMap<string, EmulatedTask>;
  readonly dispatches: readonly Dispatch[];
  /** Every CreateTask answer: the task name (when parsable) and the HTTP status returned. */
  readonly createCalls: ReadonlyArray<{ name: string | undefined; status: number }>;
  setDuplicates(count: number): void;
  /** Resolves once no task due within `horizonMs` is pending or in flight (or rejects after `timeoutMs`). */
  drain(timeoutMs?: number, horizonMs?: number): Promise<void>;
  stop(): Promise<void>;
}

type GoogleStatus = 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'UNAUTHENTICATED';
const HTTP_OF: Record<GoogleStatus, number> = { INVALID_ARGUMENT: 400, UNAUTHENTICATED: 401, NOT_FOUND: 404, ALREADY_EXISTS: 409 };

// (No parameter properties: this file also runs under Node's type stripping, for scripts and benches.)
class ApiError extends Error {
  readonly status: GoogleStatus;
  constructor(status: GoogleStatus, message: string) {
    super(message);
    this.status = status;
  }
}

function parseTimestamp(value: unknown, field: string): number {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw new ApiError('INVALID_ARGUMENT', `Invalid value at 'task.${field}' (type.googleapis.com/google.protobuf.Timestamp), ${JSON.stringify(value)}`);
  }
  // RFC 3339 with up to nanoseconds; Date.parse keeps milliseconds.
  return Date.parse(value);
}

function parseDuration(value: unknown, field: string): number {
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(value) : null;
  if (!match)
    throw new ApiError('INVALID_ARGUMENT', `Invalid value at 'task.${field}' (type.googleapis.com/google.protobuf.Duration), ${JSON.stringify(value)}`);
  return Math.round(Number(match[1]) * 1000);
}

export async function startCloudTasksEmulator(options: CloudTasksEmulatorOptions): Promise<CloudTasksEmulator> {
  const minBackoffMs = options.minBackoffMs ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 2000;
  const maxAttempts = options.maxAttempts ?? 100;
  const dedupWindowMs = options.dedupWindowMs ?? 60 * 60 * 1000;
  let duplicates = options.duplicates ?? 1;
  const queues = new Set<string>();
  const tasks = new Map<string, EmulatedTask>();
  const finishedAt = new Map<string, number>();
  const dispatches: Dispatch[] = [];
  const createCalls: Array<{ name: string | undefined; status: number }> = [];
  let generated = 0;
  let stopped = false;

  const createTask = (parent: string, body: unknown, now: number): EmulatedTask => {
    if (!queues.has(parent)) throw new ApiError('NOT_FOUND', 'Requested entity was not found.');
    const task = (body as { task?: Record<string, unknown> } | null)?.task;
    if (!task || typeof task !== 'object') throw new ApiError('INVALID_ARGUMENT', 'Task is required.');
    const http = task.httpRequest as Record<string, unknown> | undefined;
    if (!http || typeof http !== 'object') throw new ApiError('INVALID_ARGUMENT', 'Task.http_request or Task.app_engine_http_request is required.');
    let name: string;
    if (task.name === undefined || task.name === '') {
      name = `${parent}/tasks/${String(++generated).padStart(20, '0')}`;
    } else {
      name = String(task.name);
      const prefix = `${parent}/tasks/`;
      if (!name.startsWith(prefix) || !TASK_ID.test(name.slice(prefix.length))) {
        throw new ApiError(
          'INVALID_ARGUMENT',
          `Task name "${name}" is invalid: it must have the format "${prefix}TASK_ID", TASK_ID matching [A-Za-z0-9_-]{1,500}.`,
        );
      }
    }
    const url = typeof http.url === 'string' ? http.url : '';
    if (!/^https?:\/\/[^/]+/.test(url)) throw new ApiError('INVALID_ARGUMENT', 'HttpRequest.url must be a valid http or https URL.');
    const methodValue = http.httpMethod ?? 1;
    const method = typeof methodValue === 'number' ? HTTP_METHODS[methodValue] : String(methodValue);
    if (!method || method === 'HTTP_METHOD_UNSPECIFIED' || !HTTP_METHODS.includes(method)) {
      throw new ApiError('INVALID_ARGUMENT', `Invalid value at 'task.http_request.http_method', ${JSON.stringify(methodValue)}`);
    }
    let scheduleTime = now;
    if (task.scheduleTime !== undefined) {
      scheduleTime = Math.max(now, parseTimestamp(task.scheduleTime, 'schedule_time'));
      if (scheduleTime > now + MAX_AHEAD_MS) {
        throw new ApiError(
          'INVALID_ARGUMENT',
          `The Task.scheduleTime, ${new Date(scheduleTime).toISOString()}, is too far in the future. Schedule time must be no more than 720h in the future.`,
        );
      }
    }
    let dispatchDeadlineMs = 600_000;
    if (task.dispatchDeadline !== undefined) {
      dispatchDeadlineMs = parseDuration(task.dispatchDeadline, 'dispatch_deadline');
      if (dispatchDeadlineMs < 15_000 || dispatchDeadlineMs > 1_800_000) {
        throw new ApiError('INVALID_ARGUMENT', 'Task.dispatch_deadline must be in the interval [15s, 30m].');
      }
    }
    let oidc: EmulatedTask['oidc'];
    if (http.oidcToken !== undefined) {
      const token = http.oidcToken as { serviceAccountEmail?: unknown; audience?: unknown };
      if (typeof token.serviceAccountEmail !== 'string' || !token.serviceAccountEmail.includes('@')) {
        throw new ApiError('INVALID_ARGUMENT', 'OidcToken.service_account_email must be a valid service account email.');
      }
      oidc = { serviceAccountEmail: token.serviceAccountEmail, audience: typeof token.audience === 'string' && token.audience ? token.audience : url };
    }
    const doneAt = finishedAt.get(name);
    if (tasks.has(name) && tasks.get(name)!.state !== 'done' && tasks.get(name)!.state !== 'failed') {
      throw new ApiError('ALREADY_EXISTS', 'Requested entity already exists');
    }
    if (doneAt !== undefined && now - doneAt < dedupWindowMs) throw new ApiError('ALREADY_EXISTS', 'Requested entity already exists');
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries((http.headers as Record<string, unknown>) ?? {})) headers[key] = String(value);
    const entry: EmulatedTask = {
      name,
      url,
      method,
      headers,
      body: typeof http.body === 'string' ? Buffer.from(http.body, 'base64') : Buffer.alloc(0),
      oidc,
      scheduleTime,
      createTime: now,
      dispatchDeadlineMs,
      dispatchCount: 0,
      responseCount: 0,
      state: 'pending',
    };
    tasks.set(name, entry);
    return entry;
  };

  const taskJson = (task: EmulatedTask) => ({
    name: task.name,
    httpRequest: {
      url: task.url,
      httpMethod: HTTP_METHODS.indexOf(task.method),
      headers: task.headers,
      ...(task.oidc ? { oidcToken: task.oidc } : {}),
    },
    scheduleTime: new Date(task.scheduleTime).toISOString(),
    createTime: new Date(Math.floor(task.createTime / 1000) * 1000).toISOString(),
    dispatchDeadline: `${task.dispatchDeadlineMs / 1000}s`,
    dispatchCount: task.dispatchCount,
    responseCount: task.responseCount,
    view: 1,
  });

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = req.method === 'POST' ? CREATE_PATH.exec(decodeURIComponent(url.pathname)) : null;
    let taskName: string | undefined;
    try {
      if (!match) throw new ApiError('NOT_FOUND', `The requested URL ${url.pathname} was not found on this server.`);
      if (!/^Bearer \S+$/.test(req.headers.authorization ?? '')) {
        throw new ApiError('UNAUTHENTICATED', 'Request is missing required authentication credential. Expected OAuth 2 access token.');
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        throw new ApiError('INVALID_ARGUMENT', 'Invalid JSON payload received.');
      }
      taskName = (body as { task?: { name?: string } })?.task?.name;
      const task = createTask(match[1]!, body, Date.now());
      createCalls.push({ name: task.name, status: 200 });
      send(res, 200, taskJson(task));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      createCalls.push({ name: taskName, status: HTTP_OF[error.status] });
      send(res, HTTP_OF[error.status], { error: { code: HTTP_OF[error.status], message: error.message, status: error.status } });
    }
  };

  const attempt = async (task: EmulatedTask): Promise<void> => {
    task.state = 'dispatching';
    const count = task.dispatchCount;
    task.dispatchCount++;
    const headers: Record<string, string> = {
      ...task.headers,
      'User-Agent': 'Google-Cloud-Tasks',
      'X-CloudTasks-QueueName': task.name.split('/')[5]!,
      'X-CloudTasks-TaskName': task.name.split('/').at(-1)!,
      'X-CloudTasks-TaskRetryCount': String(count),
      'X-CloudTasks-TaskExecutionCount': String(task.responseCount),
      'X-CloudTasks-TaskETA': (task.scheduleTime / 1000).toFixed(6),
    };
    if (task.oidc) {
      headers.Authorization = `Bearer ${options.signer.sign({ aud: task.oidc.audience, email: task.oidc.serviceAccountEmail, email_verified: true, azp: '1000000000000000000001' })}`;
    }
    const deliver = async (): Promise<number | 'error'> => {
      try {
        const response = await fetch(task.url, {
          method: task.method,
          headers,
          body: task.method === 'GET' || task.method === 'HEAD' ? undefined : task.body,
          signal: AbortSignal.timeout(task.dispatchDeadlineMs),
        });
        await response.arrayBuffer();
        return response.status;
      } catch {
        return 'error';
      }
    };
    const results = await Promise.all(Array.from({ length: duplicates }, deliver));
    const now = Date.now();
    for (const status of results) dispatches.push({ name: task.name, attempt: count + 1, status, at: now });
    if (results.some((status) => status !== 'error')) task.responseCount++;
    if (results.some((status) => typeof status === 'number' && status >= 200 && status < 300)) {
      task.state = 'done';
      finishedAt.set(task.name, now);
      return;
    }
    if (task.dispatchCount >= maxAttempts) {
      task.state = 'failed';
      finishedAt.set(task.name, now);
      return;
    }
    task.scheduleTime = now + Math.min(maxBackoffMs, minBackoffMs * 2 ** (task.dispatchCount - 1));
    task.state = 'pending';
  };

  const tick = setInterval(() => {
    if (stopped) return;
    const now = Date.now();
    for (const task of tasks.values()) {
      if (task.state === 'pending' && task.scheduleTime <= now) void attempt(task);
    }
  }, 10);

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: { code: 500, message: 'Internal error.', status: 'INTERNAL' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    host: '127.0.0.1',
    port,
    createQueue: (path) => void queues.add(path),
    tasks,
    dispatches,
    createCalls,
    setDuplicates(count) {
      duplicates = count;
    },
    async drain(timeoutMs = 10_000, horizonMs = 60_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const soon = Date.now() + horizonMs;
        const busy = [...tasks.values()].some((task) => task.state === 'dispatching' || (task.state === 'pending' && task.scheduleTime <= soon));
        if (!busy) return;
        if (Date.now() > until) throw new Error('Cloud Tasks emulator: tasks still pending after drain timeout');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      stopped = true;
      clearInterval(tick);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
