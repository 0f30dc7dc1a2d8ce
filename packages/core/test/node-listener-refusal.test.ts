// A body refused before it is all read (413 from its Content-Length, or over the limit part-way) is answered, not
// reset: a client still sending reads the 413. The client runs in a process of its own, as a real one does: in
// the server's own event loop its writes never outrun the server, and a reset never shows.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostServer, toNodeListener } from '../src/index.js';
import { readBodyBytes } from '../src/http/body.js';

const LIMIT = 1024;
let server: ReturnType<typeof createHostServer>;
let url: string;

const refused = () => new Response(JSON.stringify({ error: { code: 'payload_too_large' } }), { status: 413, headers: { 'content-type': 'application/json' } });

beforeAll(async () => {
  // /declared refuses a declared body over LIMIT without reading it; /streamed reads until past LIMIT, as the hosts do.
  const handler = async (request: Request) => {
    if (new URL(request.url).pathname === '/declared') return Number(request.headers.get('content-length') ?? 0) > LIMIT ? refused() : new Response('ok');
    return readBodyBytes(request, LIMIT).then(
      () => new Response('ok'),
      () => refused(),
    );
  };
  server = createHostServer(toNodeListener(handler));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends `count` POSTs of `size` bytes from another process; the statuses it read, or the errors it got. */
async function sendFromAnotherProcess(target: string, size: number, count: number): Promise<string[]> {
  const script = `
    const body = Buffer.alloc(${size}, 120);
    const seen = [];
    for (let i = 0; i < ${count}; i++) {
      try {
        const response = await fetch(${JSON.stringify(target)}, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        await response.arrayBuffer();
        seen.push(String(response.status));
      } catch (error) {
        seen.push(error.cause?.code ?? String(error));
      }
    }
    console.log(JSON.stringify(seen));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  expect(code).toBe(0);
  return JSON.parse(out) as string[];
}

describe('a refused body', () => {
  it('gets its 413 every time when refused unread, however much the client is still sending', { timeout: 60_000 }, async () => {
    const seen = await sendFromAnotherProcess(`${url}/declared`, 6 * 1024 * 1024, 30);
    expect(seen).toEqual(Array(30).fill('413'));
  });

  it('gets its 413 every time when refused part-way through reading it', { timeout: 60_000 }, async () => {
    const seen = await sendFromAnotherProcess(`${url}/streamed`, 6 * 1024 * 1024, 30);
    expect(seen).toEqual(Array(30).fill('413'));
  });

  it('a body within the limit is read whole', async () => {
    const response = await fetch(`${url}/streamed`, { method: 'POST', body: 'x'.repeat(LIMIT) });
    expect(await response.text()).toBe('ok');
  });
});
