// What both forms of `cairn dev` share: listening on a loopback address, and running until Ctrl-C.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServeOptions {
  port: number;
  host: string;
  /** Stops the server (tests); SIGINT and SIGTERM do too. */
  signal?: AbortSignal;
  /** Told the address once listening. */
  onListening?: (url: string) => void;
}

export function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export function servedUrl(server: Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Resolves at SIGINT, SIGTERM or the signal's abort, whichever comes first. */
export function untilStopped(signal: AbortSignal | undefined): Promise<void> {
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
