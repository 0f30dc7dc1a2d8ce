// A TCP proxy on 127.0.0.1 in front of a PostgreSQL server that loses answers the way networks do, at the wire:
// it reads the protocol's message framing in both directions, so that a fault hits one whole request.
//
//   loseNextResponse  the next request (a simple Query, or an extended-protocol batch ending in Sync) goes to the
//                     server and runs to its end (ReadyForQuery: committed); its answer is dropped and the
//                     client's connection is cut. The client sees "Connection terminated unexpectedly".
//   failAfter(n)      n more requests go through; every later one cuts its connection unsent, and new
//                     connections are refused, until heal().
//   loseRate          each request's answer is lost so (after it ran) with this probability, all along.

import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { StoreFaults } from '@cairn/testkit';

export interface PgFaultProxy extends StoreFaults {
  readonly port: number;
  /** Requests forwarded so far. */
  readonly requests: number;
  /** Requests forwarded and answers lost (after the request ran) so far. */
  readonly stats: { requests: number; lost: number };
  close(): Promise<void>;
}

/** Splits a byte stream into protocol messages: `typed` streams have a type byte before each length. */
class Framer {
  private buffer = Buffer.alloc(0);
  constructor(private untypedFirst: boolean) {}

  /** The complete messages in `chunk` (with what was left before), each as [type, bytes]. */
  push(chunk: Buffer): Array<[string, Buffer]> {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const out: Array<[string, Buffer]> = [];
    for (;;) {
      if (this.untypedFirst) {
        if (this.buffer.length < 4) break;
        const length = this.buffer.readInt32BE(0);
        if (this.buffer.length < length) break;
        out.push(['', this.buffer.subarray(0, length)]);
        this.buffer = this.buffer.subarray(length);
        this.untypedFirst = false;
        continue;
      }
      if (this.buffer.length < 5) break;
      const length = this.buffer.readInt32BE(1) + 1;
      if (this.buffer.length < length) break;
      out.push([String.fromCharCode(this.buffer[0]!), this.buffer.subarray(0, length)]);
      this.buffer = this.buffer.subarray(length);
    }
    return out;
  }
}

export async function startPgFaultProxy(target: { host: string; port: number; loseRate?: number }): Promise<PgFaultProxy> {
  let loseNext: { interleave?: () => Promise<unknown> } | null = null;
  let budget = Infinity;
  let requests = 0;
  let lost = 0;
  const loseRate = target.loseRate ?? 0;
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    const { host, port } = target;
    if (budget <= 0) return void client.destroy();
    const upstream = createConnection({ host, port });
    sockets.add(client).add(upstream);
    // Messages are forwarded one by one: without this, Nagle's algorithm holds each small write for an ACK.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', cut).on('error', cut);
    upstream.on('close', cut).on('error', cut);
    const fromClient = new Framer(true);
    const fromServer = new Framer(false);
    // Set when this connection's request is the one whose answer is lost.
    let losing: { interleave?: () => Promise<unknown> } | null = null;
    client.on('data', (chunk: Buffer) => {
      for (const [type, bytes] of fromClient.push(chunk)) {
        // A request ends with Query or Sync; everything before it in the batch travels with it.
        if (type === 'Q' || type === 'S') {
          if (budget <= 0) return cut();
          budget--;
          requests++;
          if (loseNext && !losing) {
            losing = loseNext;
            loseNext = null;
            lost++;
          } else if (!losing && loseRate > 0 && Math.random() < loseRate) {
            losing = {};
            lost++;
          }
        }
        upstream.write(bytes);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      for (const [type, bytes] of fromServer.push(chunk)) {
        if (!losing) {
          client.write(bytes);
          continue;
        }
        // The server is done with the request (ReadyForQuery): it committed. The answer never arrives.
        if (type === 'Z') {
          const { interleave } = losing;
          losing = null;
          void (interleave ? interleave().catch(() => undefined) : Promise.resolve()).then(cut);
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    get requests() {
      return requests;
    },
    get stats() {
      return { requests, lost };
    },
    loseNextResponse(options = {}) {
      loseNext = options;
    },
    failAfter(n) {
      budget = n;
    },
    heal() {
      budget = Infinity;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
