// createCloudRunHandler: the Cloud Run service. Authenticates every request (OIDC or HMAC), then serves
// core's host surface (the wake endpoint for Cloud Tasks, the sweeper endpoint for Cloud Scheduler, the REST
// API), and drains on shutdown. Every decision about a delivery is core's (`createHostHttp`).

import { createHostHttp, parseOptions, problemResponse, storeNonceClaim, toNodeListener } from '@cairn/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createAuthenticator } from './auth/authenticate.js';
import { HandlerOptionsSchema, type CloudRunHandlerOptions } from './options.js';

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
  const settings = parseOptions(HandlerOptionsSchema, options, { adapter: 'cloud-run', factory: 'createCloudRunHandler' });
  const { runtime } = options;
  const onError = options.onError ?? ((error, context) => console.error(`[cairn] [cloud-run] ${context.operation} ${context.path} failed:`, error));
  const host = createHostHttp({
    runtime,
    authenticate: createAuthenticator(
      options.auth,
      () => runtime.clock.now(),
      options.auth.hmac ? storeNonceClaim(runtime.store, runtime.clock, { adapter: 'cloud-run', factory: 'createCloudRunHandler' }) : undefined,
    ),
    credentialsHint: 'A valid Google-signed ID token or Cairn request signature is required',
    // Replays stop starting new work before Cloud Run's request timeout cuts the request off.
    budgetOf: (receivedAt) => ({
      endsAt: receivedAt + settings.requestTimeoutMs,
      safetyMarginMs: settings.safetyMarginMs,
      maxInProcessWaitMs: settings.maxInProcessWaitMs,
      host: 'cloud-run',
    }),
    wakePath: settings.wakePath,
    sweepPath: settings.sweepPath,
    apiBasePath: settings.apiBasePath,
    maxBodyBytes: settings.maxBodyBytes,
    sweepConcurrency: settings.sweepConcurrency,
    onError,
    onAuthFailure:
      options.onAuthFailure ?? ((reason, request) => console.warn(`[cairn] [cloud-run] refused ${request.method} ${new URL(request.url).pathname}: ${reason}`)),
  });

  let draining = false;
  let shutdownPromise: Promise<void> | undefined;
  const inFlight = new Set<Promise<unknown>>();

  const fetchHandler = async (request: Request): Promise<Response> => {
    if (draining) return problemResponse(503, 'shutting_down', 'This instance is shutting down; retry', { 'retry-after': '1' });
    const work = host(request).catch((error: unknown) => {
      onError(error, { operation: 'request', path: new URL(request.url).pathname });
      return problemResponse(500, 'internal_error', 'The request failed; see the server logs');
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
    listener: toNodeListener(fetchHandler),
    get draining() {
      return draining;
    },
    shutdown() {
      shutdownPromise ??= (async () => {
        draining = true;
        while (inFlight.size > 0) await Promise.allSettled(inFlight);
        await runtime.close();
      })();
      return shutdownPromise;
    },
  };
}
