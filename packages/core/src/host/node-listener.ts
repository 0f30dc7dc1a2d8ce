// node:http <-> fetch-standard Request/Response: a host's fetch handler served by `node:http` (Cloud Run, the Node host).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { problemBody } from '../http/json.js';

export function toNodeListener(handler: (request: Request) => Promise<Response>, maxBodyBytes: number) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > maxBodyBytes) {
          res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
          res.end(JSON.stringify(problemBody('payload_too_large', `The limit is ${maxBodyBytes} bytes`)));
          req.destroy();
          return;
        }
        chunks.push(chunk as Buffer);
      }
      const headers = new Headers();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const item of value) headers.append(key, item);
        else headers.set(key, value);
      }
      const method = req.method ?? 'GET';
      const url = `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`;
      const request = new Request(url, {
        method,
        headers,
        body: method === 'GET' || method === 'HEAD' || size === 0 ? undefined : Buffer.concat(chunks),
      });
      const response = await handler(request);
      const out: Record<string, string | string[]> = {};
      response.headers.forEach((value, key) => {
        out[key] = value;
      });
      const setCookies = response.headers.getSetCookie();
      if (setCookies.length > 0) out['set-cookie'] = setCookies;
      res.writeHead(response.status, out);
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch((error: unknown) => {
      console.error('[cairn] node:http bridge failed:', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end();
    });
  };
}
