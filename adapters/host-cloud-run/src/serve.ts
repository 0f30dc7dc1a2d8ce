// serve: a node:http server for the handler, with Cloud Run's shutdown contract. On SIGTERM (sent
// before an instance is stopped; SIGKILL follows about 10 s later) it stops accepting connections,
// lets requests in flight finish recording (handler.shutdown -> runtime.close) and exits.

import { once } from 'node:events';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHostServer } from '@cairn/core';
import type { CloudRunHandler } from './handler.js';

export interface ServeOptions {
  handler: CloudRunHandler;
  /** @default Number(process.env.PORT) || 8080 (Cloud Run sets PORT) */
  port?: number;
  /** @default '0.0.0.0' */
  host?: string;
  /** Signals that start a graceful shutdown. @default ['SIGTERM', 'SIGINT'] */
  signals?: NodeJS.Signals[];
  /** Exit the process once shut down after a signal. @default true */
  exit?: boolean;
  /** @default console.log */
  log?: (message: string) => void;
}

export interface ServingHandle {
  readonly server: Server;
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** Graceful shutdown without exiting the process. */
  close(): Promise<void>;
}

/** How long shutdown waits for the responses of finished requests to be written. */
const RESPONSE_GRACE_MS = 2_000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export async function serve(options: ServeOptions): Promise<ServingHandle> {
  const { handler } = options;
  const log = options.log ?? ((message: string) => console.log(message));
  const server = createHostServer(handler.listener);
  // Responses not yet written: shutdown waits for them before it closes the connections they go out on.
  const unanswered = new Set<ServerResponse>();
  server.on('request', (_req, res: ServerResponse) => {
    unanswered.add(res);
    res.once('close', () => unanswered.delete(res));
  });
  const port = options.port ?? (Number(process.env.PORT) || 8080);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, options.host ?? '0.0.0.0', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await handler.shutdown();
      // The replays are done; their responses are being written. Give them a moment, then cut what is left.
      await Promise.race([Promise.all([...unanswered].map((res) => once(res, 'close'))), delay(RESPONSE_GRACE_MS)]);
      server.closeAllConnections();
      await stopped;
    })();
    return closing;
  };

  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const onSignal = (signal: NodeJS.Signals) => {
    log(`[cairn] ${signal}: finishing requests in flight, then exiting`);
    close().then(
      () => {
        log('[cairn] shut down cleanly');
        if (options.exit !== false) process.exit(0);
      },
      (error: unknown) => {
        console.error('[cairn] shutdown failed:', error);
        if (options.exit !== false) process.exit(1);
      },
    );
  };
  for (const signal of signals) process.once(signal, onSignal);
  server.once('close', () => {
    for (const signal of signals) process.off(signal, onSignal);
  });

  return { server, port: bound, close };
}
