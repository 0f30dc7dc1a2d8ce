// serveHost: core's HTTP surface (the REST API, the wake and sweep endpoints) on a node:http server for a
// Node host. Loopback by default; any other address needs request signatures, or an explicit
// `allowUnauthenticated` (then anyone who reaches the port controls every instance).

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  createHostHttp,
  createRequestAuthenticator,
  DEFAULT_MAX_BODY_BYTES,
  InvalidOptionsError,
  parseOptions,
  storeNonceClaim,
  createHostServer,
  toNodeListener,
  type HostRuntime,
} from '@cairn/core';

export interface ServeHostOptions {
  /** @default 8787 */
  port?: number;
  /** The address to listen on. @default '127.0.0.1' */
  host?: string;
  /** Shared-secret request signatures (`signRequest`): required off loopback. */
  hmac?: { secrets: string[]; toleranceMs?: number };
  /** Serve a non-loopback address without authentication. @default false */
  allowUnauthenticated?: boolean;
  /** How long a wake or sweep request may run. @default 60_000 */
  requestTimeoutMs?: number;
  /** Replays stop starting steps this long before a request's time is up. @default 20% of it, at most 10 s */
  safetyMarginMs?: number;
  /** @default 2 MiB */
  maxBodyBytes?: number;
  /** A prefix for the REST API's routes. @default '' */
  apiBasePath?: string;
}

export interface ServedHost {
  readonly server: Server;
  /** The port bound (useful with port 0). */
  readonly port: number;
  /** `http://<host>:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

const Schema = z.object({
  port: z.number().int().min(0).max(65_535).default(8787),
  host: z.string().min(1).default('127.0.0.1'),
  hmac: z
    .object({ secrets: z.array(z.string().min(32, 'a secret of at least 32 characters')).min(1), toleranceMs: z.number().int().min(1000).optional() })
    .optional(),
  allowUnauthenticated: z.boolean().default(false),
  requestTimeoutMs: z.number().int().min(1000).default(60_000),
  safetyMarginMs: z.number().int().min(0).optional(),
  maxBodyBytes: z.number().int().min(1024).default(DEFAULT_MAX_BODY_BYTES),
  apiBasePath: z
    .string()
    .regex(/^(\/[^/?#]+)*$/, 'a path such as /api')
    .default(''),
});

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function serveHost(host: { runtime: HostRuntime }, options: ServeHostOptions = {}): Promise<ServedHost> {
  const settings = parseOptions(Schema, options, { adapter: 'node', factory: 'serveHost' });
  if (!LOOPBACK.has(settings.host) && !settings.hmac && !settings.allowUnauthenticated) {
    throw new InvalidOptionsError('node', 'serveHost', [
      {
        option: 'hmac',
        message: `serving ${settings.host} (not loopback) needs request signatures; pass hmac.secrets, or allowUnauthenticated: true to accept anyone`,
      },
    ]);
  }
  const { runtime } = host;
  const claim = settings.hmac ? storeNonceClaim(runtime.store, runtime.clock, { adapter: 'node', factory: 'serveHost' }) : undefined;
  const authenticate = settings.hmac ? createRequestAuthenticator({ hmac: { ...settings.hmac, claim }, now: () => runtime.clock.now() }) : null;
  const handler = createHostHttp({
    runtime,
    authenticate,
    budgetOf: (receivedAt) => ({ endsAt: receivedAt + settings.requestTimeoutMs, safetyMarginMs: settings.safetyMarginMs, host: 'node' }),
    apiBasePath: settings.apiBasePath,
    maxBodyBytes: settings.maxBodyBytes,
    onError: (error, where) => console.error(`[cairn] [node host] ${where.operation} ${where.path} failed:`, error),
    onAuthFailure: (reason, request) => console.warn(`[cairn] [node host] refused ${request.method} ${new URL(request.url).pathname}: ${reason}`),
  });
  const server = createHostServer(toNodeListener(handler));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return {
    server,
    port,
    url: `http://${shown}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
