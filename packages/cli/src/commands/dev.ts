// `cairn dev`: runs the config's workflows with the Node host (startup recovery, wake-ups, cron) and serves, on
// 127.0.0.1:8787, the web explorer at / and Cloudflare's local explorer API, so `wrangler workflows … --local`
// drives them too. Runs until SIGINT or SIGTERM (or `signal`), then stops cleanly: no new requests, replays in
// progress finish, store closed.

import { createHostServer, createLocalExplorerApi, explorerWorkflowsOf, LOCAL_EXPLORER_BASE_PATH, toNodeListener, trackRunningAttempts } from '@cairn/core';
import { explorerUi } from '@cairn/explorer';
import { createNodeHost } from '@cairn/host-node';
import type { LoadedConfig } from '../config.js';
import type { CliIO } from '../io.js';
import { listenOn, servedUrl, untilStopped, type ServeOptions } from './serve.js';

export async function devCommand(io: CliIO, config: LoadedConfig, options: ServeOptions): Promise<number> {
  // The attempts running now: the journal records an attempt only when it ends, so the explorer asks this process.
  const running = trackRunningAttempts();
  const host = createNodeHost({ store: config.store, workflows: config.workflows, env: config.env, hooks: running.hooks, handleSignals: false });
  const explorer = createLocalExplorerApi({
    runtime: host.runtime,
    runningAttempts: running.running,
    workflows: explorerWorkflowsOf(host.runtime.registered, 'cairn-dev'),
    onError: (error) => io.stderr(`cairn dev: explorer request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`),
  });
  const ui = explorerUi();
  const server = createHostServer(toNodeListener(async (request) => (await explorer(request)) ?? ui(request) ?? notFound(new URL(request.url).pathname)));
  await host.start();
  try {
    await listenOn(server, options.port, options.host);
  } catch (error) {
    await host.stop();
    throw error;
  }
  const url = servedUrl(server, options.host);
  const port = new URL(url).port;
  io.stderr(
    `cairn dev: running ${host.runtime.workflowNames.join(', ')} from ${config.file}\n` +
      `  explorer:     ${url}/\n` +
      `  explorer API: ${url}${LOCAL_EXPLORER_BASE_PATH} (wrangler workflows … --local --port ${port})\n` +
      '  Ctrl-C stops\n',
  );
  options.onListening?.(url);
  await untilStopped(options.signal);
  io.stderr('cairn dev: stopping (replays in progress finish first)\n');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await host.stop();
  return 0;
}

function notFound(path: string): Response {
  return Response.json(
    { error: { code: 'route_not_found', message: `Nothing is served at ${path}; the explorer is at / and its API at ${LOCAL_EXPLORER_BASE_PATH}` } },
    { status: 404 },
  );
}
