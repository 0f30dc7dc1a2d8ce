// createHttpApi: Cairn's REST API as one fetch-standard function, `(Request) => Promise<Response>`.
// Hosts (Lambda, Cloud Run, a plain node:http server) translate their requests to it.

import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { parseOptions } from '../shared/options.js';
import type { WorkflowInstanceCreateOptions } from '../binding.js';
import type { Runtime } from '../runtime.js';
import { errorResponse, HttpProblem, mapError } from './http-errors.js';
import { jsonResponse } from './json.js';
import { matchRoute, type Route } from './routes.js';
import { parseJsonBody, readBodyBytes } from './body.js';

export interface HttpApiOptions {
  /** The runtime whose workflows the API serves. */
  runtime: Pick<Runtime, 'workflow'>;
  /** A path prefix to strip, e.g. `/api`. @default '' */
  basePath?: string;
  /** Larger request bodies are refused with 413 before parsing. @default 2 MiB */
  maxBodyBytes?: number;
  /** Told of every 500 (the response itself reveals nothing). @default console.error */
  onError?: (error: unknown, request: Request) => void;
}

export interface HttpApi {
  (request: Request): Promise<Response>;
  /** The same, for a caller that has read the body already (a host checking a signature over it): no second read. */
  withBody?(request: Request, body: Uint8Array | undefined): Promise<Response>;
}

const OptionsSchema = z.object({
  runtime: z.custom<Pick<Runtime, 'workflow'>>(
    (value) => typeof value === 'object' && value !== null && typeof (value as Runtime).workflow === 'function',
    'a Runtime (from createRuntime)',
  ),
  basePath: z
    .string()
    .regex(/^(\/[^/?#]+)*\/?$/, 'a path such as /api')
    .optional(),
  maxBodyBytes: z.number().int().min(1).optional(),
  onError: z.custom<(error: unknown, request: Request) => void>((value) => typeof value === 'function').optional(),
});

const Duration = z.union([z.string(), z.number()]);
const CreateBody = z
  .object({
    id: z.string().optional(),
    params: z.unknown().optional(),
    retention: z.object({ successRetention: Duration.optional(), errorRetention: Duration.optional() }).strict().optional(),
  })
  .strict();
const BatchBody = z.array(CreateBody);
const EventBody = z.object({ type: z.string(), payload: z.unknown().optional(), id: z.string().optional() }).strict();
const RestartBody = z
  .object({
    from: z
      .object({ name: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict();
const TerminateBody = z.object({ rollback: z.boolean().optional() }).strict();
const EmptyBody = z.union([z.undefined(), z.object({}).strict()]);

export function createHttpApi(options: HttpApiOptions): HttpApi {
  parseOptions(OptionsSchema, options, { adapter: 'core', factory: 'createHttpApi' });
  const { runtime } = options;
  const basePath = (options.basePath ?? '').replace(/\/$/, '');
  const maxBodyBytes = options.maxBodyBytes ?? 2 * 1024 * 1024;
  const onError = options.onError ?? ((error: unknown) => console.error('[cairn] HTTP API request failed:', error));

  const run = async (request: Request, read?: { body: Uint8Array | undefined }): Promise<Response> => {
    const url = new URL(request.url);
    let path = url.pathname;
    if (basePath) {
      if (path !== basePath && !path.startsWith(`${basePath}/`)) throw notFound();
      path = path.slice(basePath.length);
    }
    const route = matchRoute(request.method.toUpperCase(), path);
    if (!route) throw notFound();
    const bytes = read ? read.body : await readBodyBytes(request, maxBodyBytes);
    return handle(runtime, route, parseJsonBody(bytes, request.headers.get('content-type')), request.headers);
  };

  const answer = async (request: Request, read?: { body: Uint8Array | undefined }): Promise<Response> => {
    try {
      return await run(request, read);
    } catch (error) {
      const mapped = mapError(error);
      if (mapped.internal) onError(error, request);
      const response = errorResponse(mapped);
      if (error instanceof HttpProblem && error.allow) response.headers.set('allow', error.allow);
      return response;
    }
  };
  return Object.assign((request: Request) => answer(request), { withBody: (request: Request, body: Uint8Array | undefined) => answer(request, { body }) });
}

/** One route, its body parsed: the instance API call and its answer. */
async function handle(runtime: Pick<Runtime, 'workflow'>, route: Route, body: unknown, headers: Headers): Promise<Response> {
  const workflow = runtime.workflow(route.workflowName);
  switch (route.op) {
    case 'create': {
      const input = parseBody(
        CreateBody,
        body === undefined ? {} : body,
        'create body',
        '{ id?: string, params?: unknown, retention?: { successRetention?, errorRetention? } }',
      );
      // Durations are checked by create() itself, which names the bad one.
      const instance = await workflow.create(input as WorkflowInstanceCreateOptions);
      const { status } = await instance.status();
      return jsonResponse(201, { id: instance.id, status });
    }
    case 'createBatch': {
      const input = parseBody(BatchBody, body, 'batch body', 'an array of { id?: string, params?: unknown, retention? }');
      const instances = await workflow.createBatch(input as WorkflowInstanceCreateOptions[]);
      return jsonResponse(201, { instances: instances.map((instance) => ({ id: instance.id })) });
    }
    case 'get': {
      const instance = await workflow.get(route.instanceId);
      const status = await instance.status();
      return jsonResponse(200, { id: instance.id, ...status });
    }
    case 'delete': {
      parseBody(EmptyBody, body, 'delete body', 'no body or {}');
      const instance = await workflow.get(route.instanceId);
      await instance.delete();
      return new Response(null, { status: 204 });
    }
    case 'sendEvent': {
      const input = parseBody(EventBody, body, 'event body', '{ type: string, payload?: unknown, id?: string }');
      const instance = await workflow.get(route.instanceId);
      // The idempotency key: the body's `id`, or the Idempotency-Key header (the same event sent again is stored once).
      const key = input.id ?? headers.get('idempotency-key') ?? undefined;
      await instance.sendEvent(key === undefined ? input : { ...input, id: key });
      return accepted();
    }
    case 'terminate': {
      const input = parseBody(TerminateBody, body ?? {}, 'terminate body', '{ rollback?: boolean }');
      const instance = await workflow.get(route.instanceId);
      await instance.terminate(input.rollback ? { rollback: true } : undefined);
      return accepted();
    }
    case 'restart': {
      const input = parseBody(RestartBody, body ?? {}, 'restart body', '{ from?: { name: string } }');
      const instance = await workflow.get(route.instanceId);
      await instance.restart(input.from ? { from: input.from } : undefined);
      return accepted();
    }
    default: {
      parseBody(EmptyBody, body, `${route.op} body`, 'no body or {}');
      const instance = await workflow.get(route.instanceId);
      await instance[route.op]();
      return accepted();
    }
  }
}

function notFound(): HttpProblem {
  return new HttpProblem(404, 'route_not_found', 'No such route; see the REST API reference');
}

function accepted(): Response {
  return new Response(null, { status: 202 });
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown, input: string, allowed: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ValidationError(input, allowed, z.prettifyError(parsed.error).replace(/\n/g, '; '));
  return parsed.data;
}
