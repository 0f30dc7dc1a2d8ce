// `cairn dev`: runs the config's workflows with the Node host (startup recovery, wake-ups, cron) and serves, on
// 127.0.0.1:8787, the web explorer at / and Cloudflare's local explorer API, so `wrangler workflows … --local`
// drives them too. Runs until
// SIGINT or SIGTERM (or `signal`), then stops cleanly: no new requests, replays in progress finish, store closed.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHostServer, createLocalExplorerApi, explorerWorkflowsOf, LOCAL_EXPLORER_BASE_PATH, toNodeListener } from '@cairn/core';
import { explorerUi } from '@cairn/explorer';
import { createNodeHost } from '@cairn/host-node';
import type { LoadedConfig } from '../config.js';
import type { CliIO } from '../io.js';

export interface DevOptions {
  port: number;
  host: string;
  /** Stops the server (tests); SIGINT and SIGTERM do too. */
  signal?: AbortSignal;
  /** Told the address once listening. */
  onListening?: (url: string) => void;
}

export async function devCommand(io: CliIO, config: LoadedConfig, options: DevOptions): Promise<number> {
  const host = createNodeHost({ store: config.store, workflows: config.workflows, env: config.env, handleSignals: false });
  const explorer = createLocalExplorerApi({
    runtime: host.runtime,
    workflows: explorerWorkflowsOf(host.runtime.registered, 'cairn-dev'),
    onError: (error) => io.stderr(`cairn dev: explorer request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`),
  });
  const ui = explorerUi();
  const server = createHostServer(toNodeListener(async (request) => (await explorer(request)) ?? ui(request) ?? notFound(new URL(request.url).pathname)));
  await host.start();
  try {
    await listen(server, options.port, options.host);
  } catch (error) {
    await host.stop();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  io.stderr(
    `cairn dev: running ${host.runtime.workflowNames.join(', ')} from ${config.file}\n` +
      `  explorer:     ${url}/\n` +
      `  explorer API: ${url}${LOCAL_EXPLORER_BASE_PATH} (wrangler workflows … --local --port ${port})\n` +
      '  Ctrl-C stops\n',
  );
  options.onListening?.(url);
  await stopped(options.signal);
  io.stderr('cairn dev: stopping (replays in progress finish first)\n');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await host.stop();
  return 0;
}

function notFound(path: string): Response {
  return new Response(
    JSON.stringify({
      error: { code: 'route_not_found', message: `Nothing is served at ${path}; the explorer is at / and its API at ${LOCAL_EXPLORER_BASE_PATH}` },
    }),
    {
      status: 404,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    },
  );
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Resolves at SIGINT, SIGTERM or the signal's abort, whichever comes first. */
function stopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (signal?.aborted) done();
    else signal?.addEventListener('abort', done, { once: true });
  });
}
