// createCloudRunHandler: the Cloud Run service. Authenticates every request, then serves the wake
// endpoint (Cloud Tasks), the sweeper endpoint (Cloud Scheduler) and the REST API (core's createHttpApi).

import { z } from 'zod';
import { AdapterError, createHttpApi } from '@cairn/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createAuthenticator } from './auth/authenticate.js';
import { toNodeListener } from './node-bridge.js';
import { HandlerOptionsSchema, type CloudRunHandlerOptions } from './options.js';
import { problem } from './responses.js';
import { handleSweep } from './sweep.js';
import { handleWake } from './wake.js';

export interface CloudRunHandler {
  /** The service as a fetch-standard function. */
  fetch(request: Request): Promise<Response>;
  /** The same, for `node:http`'s `createServer`. */
  listener(req: IncomingMessage, res: ServerResponse): void;
  /** Stops taking work (new requests get 503, which Cloud Tasks retries), waits for requests in flight, closes the runtime. */
  shutdown(): Promise<void>;
  /** True once shutdown began. */
  readonly draining: boolean;
}

export function createCloudRunHandler(options: CloudRunHandlerOptions): CloudRunHandler {
  const parsed = HandlerOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AdapterError('cloud-run', 'createCloudRunHandler', z.prettifyError(parsed.error).replace(/\n/g, '; '), {
      cause: parsed.error,
      option: issue?.path.join('.') || undefined,
    });
  }
  const { runtime } = options;
  const requestTimeoutMs = options.requestTimeoutMs ?? 300_000;
  const safetyMarginMs = options.safetyMarginMs ?? 10_000;
  const wakePath = options.wakePath ?? '/_cairn/wake';
  const sweepPath = options.sweepPath ?? '/_cairn/sweep';
  const maxBodyBytes = options.maxBodyBytes ?? 2 * 1024 * 1024;
  const sweepConcurrency = options.sweepConcurrency ?? 4;
  const onError = options.onError ?? ((error, context) => console.error(`[cairn] [cloud-run] ${context.operation} ${context.path} failed:`, error));
  const onAuthFailure =
    options.onAuthFailure ?? ((reason, request) => console.warn(`[cairn] [cloud-run] refused ${request.method} ${new URL(request.url).pathname}: ${reason}`));
  const authenticate = createAuthenticator(options.auth, () => Date.now());
  const api = createHttpApi({
    runtime,
    basePath: options.apiBasePath,
    maxBodyBytes,
    onError: (error, request) => onError(error, { operation: 'api', path: new URL(request.url).pathname }),
  });

  let draining = false;
  let shutdownPromise: Promise<void> | undefined;
  const inFlight = new Set<Promise<unknown>>();

  const serve = async (request: Request, receivedAt: number): Promise<Response> => {
    const declared = Number(request.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBodyBytes) return problem(413, 'payload_too_large', `The limit is ${maxBodyBytes} bytes`);
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.byteLength > maxBodyBytes) return problem(413, 'payload_too_large', `The limit is ${maxBodyBytes} bytes`);

    const verdict = await authenticate(request, body);
    if (!verdict.ok) {
      onAuthFailure(verdict.reason, request);
      return problem(401, 'unauthenticated', 'A valid Google-signed ID token or Cairn request signature is required', {
        'www-authenticate': 'Bearer',
      });
    }

    const path = new URL(request.url).pathname;
    // Replays stop starting new work before Cloud Run's request timeout cuts the request off.
    const deadline = receivedAt + requestTimeoutMs - safetyMarginMs;
    if (path === wakePath || path === sweepPath) {
      if (request.method !== 'POST') return problem(405, 'method_not_allowed', 'Use POST for this path', { allow: 'POST' });
      return path === wakePath
        ? handleWake(runtime, body, deadline, (error) => onError(error, { operation: 'wake', path }), options.maxInProcessWaitMs)
        : handleSweep(runtime, body, deadline, sweepConcurrency, (error) => onError(error, { operation: 'sweep', path }));
    }
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && body.byteLength > 0;
    return api(new Request(request.url, { method: request.method, headers: request.headers, body: hasBody ? body : undefined }));
  };

  const fetchHandler = async (request: Request): Promise<Response> => {
    const receivedAt = Date.now();
    if (draining) return problem(503, 'shutting_down', 'This instance is shutting down; retry', { 'retry-after': '1' });
    const work = serve(request, receivedAt).catch((error: unknown) => {
      onError(error, { operation: 'request', path: new URL(request.url).pathname });
      return problem(500, 'internal_error', 'The request failed; see the server logs');
    });
    inFlight.add(work);
    try {
      return await work;
    } finally {
      inFlight.delete(work);
    }
  };

  return {
    fetch: fetchHandler,
    listener: toNodeListener(fetchHandler, maxBodyBytes),
    get draining() {
      return draining;
    },
    shutdown() {
      shutdownPromise ??= (async () => {
        draining = true;
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        await runtime.close();
      })();
      return shutdownPromise;
    },
  };
}
