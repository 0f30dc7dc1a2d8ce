// A body refused before it is read (413 from its Content-Length) is answered, not reset: a client still sending
// reads the 413. Closing the socket at once made such a fetch fail now and then with ECONNRESET.

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostServer, toNodeListener } from '../src/index.js';

const LIMIT = 1024;
let server: ReturnType<typeof createHostServer>;
let url: string;

beforeAll(async () => {
  // Refuses any declared body over LIMIT without reading it, as the hosts do.
  const handler = async (request: Request) =>
    Number(request.headers.get('content-length') ?? 0) > LIMIT
      ? new Response(JSON.stringify({ error: { code: 'payload_too_large' } }), { status: 413, headers: { 'content-type': 'application/json' } })
      : new Response(await request.text());
  server = createHostServer(toNodeListener(handler));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('a refused body', () => {
  it('gets its 413 every time, however much the client is still sending', async () => {
    const body = 'x'.repeat(3 * 1024 * 1024);
    for (let i = 0; i < 40; i++) {
      const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(413);
      await response.arrayBuffer();
    }
  });
});
