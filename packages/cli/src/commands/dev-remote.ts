// `cairn dev --url <host>`: the explorer for a deployed host (Lambda, Cloud Run, the Node host) without database
// credentials. It serves the web explorer locally and forwards its API requests, and wrangler's `--local` ones,
// to the host's explorer API, each signed with the host's HMAC secret or carrying a bearer token (a Google ID
// token for Cloud Run), read from the environment, never from the command line.

import { createHostServer, LOCAL_EXPLORER_BASE_PATH, signRequest, toNodeListener, ValidationError } from '@cairn/core';
import { explorerUi } from '@cairn/explorer';
import type { CliIO } from '../io.js';
import type { RemoteCredentials } from '../remote/client.js';
import { listenOn, servedUrl, untilStopped, type ServeOptions } from './serve.js';

export interface RemoteDevOptions extends ServeOptions {
  /** The host's base URL (with its REST API base path, if it has one). */
  url: string;
  credentials: RemoteCredentials;
}

export async function remoteDevCommand(io: CliIO, options: RemoteDevOptions): Promise<number> {
  const remote = new URL(options.url.replace(/\/+$/, ''));
  if (remote.protocol !== 'https:' && remote.protocol !== 'http:') throw new ValidationError('--url', 'an http(s) URL of a Cairn host', options.url);
  const forward = forwarder(remote, options.credentials);
  const ui = explorerUi();
  const server = createHostServer(toNodeListener(async (request) => (await forward(request)) ?? ui(request) ?? new Response('Not found', { status: 404 })));
  await listenOn(server, options.port, options.host);
  const url = servedUrl(server, options.host);
  const auth = options.credentials.hmacSecret ? 'signed with the HMAC secret' : options.credentials.token ? 'with the bearer token' : 'without credentials';
  io.stderr(
    `cairn dev: exploring ${remote.origin}${remote.pathname} (${auth})\n  explorer:     ${url}/\n  explorer API: ${url}${LOCAL_EXPLORER_BASE_PATH}\n  Ctrl-C stops\n`,
  );
  options.onListening?.(url);
  await untilStopped(options.signal);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return 0;
}

/** Forwards requests below the explorer API's path to the host, authenticated; null for other paths. */
function forwarder(remote: URL, credentials: RemoteCredentials) {
  const base = remote.pathname === '/' ? '' : remote.pathname;
  return async (request: Request): Promise<Response | null> => {
    const local = new URL(request.url);
    if (!local.pathname.startsWith(LOCAL_EXPLORER_BASE_PATH)) return null;
    const target = new URL(`${remote.origin}${base}${local.pathname}${local.search}`);
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : new Uint8Array(await request.arrayBuffer());
    const headers: Record<string, string> = { accept: 'application/json' };
    const type = request.headers.get('content-type');
    if (type) headers['content-type'] = type;
    if (credentials.hmacSecret)
      Object.assign(headers, signRequest({ secret: credentials.hmacSecret, method: request.method, url: `${target.pathname}${target.search}`, body }));
    else if (credentials.token) headers.authorization = `Bearer ${credentials.token}`;
    try {
      const answer = await fetch(target, { method: request.method, headers, ...(body ? { body } : {}) });
      return new Response(await answer.arrayBuffer(), {
        status: answer.status,
        headers: { 'content-type': answer.headers.get('content-type') ?? 'application/json' },
      });
    } catch (error) {
      const message = `Could not reach ${remote.origin}: ${error instanceof Error ? error.message : String(error)}`;
      return Response.json({ success: false, errors: [{ code: 10001, message }], messages: [], result: null }, { status: 502 });
    }
  };
}
