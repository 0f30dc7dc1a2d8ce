// node:http <-> fetch-standard Request/Response: a host's fetch handler served by `node:http` (Cloud Run, the Node
// host). The body is handed over as a stream, never read here: the handler checks credentials from the headers
// first and reads the body under its size limit after, so an unauthenticated caller's body is never buffered.
// What cannot become a Request (a method fetch forbids, a Host that makes no URL) is answered here with a 4xx.

import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { problemBody } from '../http/json.js';
import { drainRest, requestBodyOf, type RequestBody } from './request-body.js';

/** Methods fetch refuses to carry (and that no route serves). */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/** What is left of a refused body is read and dropped up to this much (or this long) before the answer is sent. */
const DRAIN_BYTES = 8 * 1024 * 1024;
const DRAIN_MS = 5_000;

function answerProblem(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(problemBody(code, message));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
    ...headers,
  });
  res.end(body);
}

/** The request's URL, or undefined when its Host or target makes none. */
function urlOf(req: IncomingMessage): string | undefined {
  const host = req.headers.host;
  if (host === undefined || host === '') return undefined;
  const target = req.url ?? '/';
  if (!target.startsWith('/')) return undefined;
  try {
    const url = new URL(`http://${host}${target}`);
    // A Host with a path, user info or a port out of range is not a host.
    return url.host.toLowerCase() === host.toLowerCase() || url.host === host.replace(/:80$/, '') ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function toRequest(req: IncomingMessage, url: string, method: string): { request: Request; body?: RequestBody } {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(key, item);
    else headers.set(key, value);
  }
  const hasBody =
    method !== 'GET' &&
    method !== 'HEAD' &&
    (req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined);
  if (!hasBody) {
    req.resume();
    return { request: new Request(url, { method, headers }) };
  }
  const body = requestBodyOf(req);
  return { request: new Request(url, { method, headers, body: body.stream, duplex: 'half' } as RequestInit), body };
}

export function toNodeListener(handler: (request: Request) => Promise<Response>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const method = (req.method ?? 'GET').toUpperCase();
    if (FORBIDDEN_METHODS.has(method)) {
      req.resume();
      return answerProblem(res, 405, 'method_not_allowed', `${method} is not served`, { allow: 'GET, POST, DELETE' });
    }
    const url = urlOf(req);
    if (url === undefined) {
      req.resume();
      return answerProblem(res, 400, 'invalid_request', 'The Host header or the request target does not make a URL');
    }
    void (async () => {
      const { request, body: requestBody } = toRequest(req, url, method);
      const response = await handler(request);
      const out: Record<string, string | string[]> = {};
      response.headers.forEach((value, key) => {
        out[key] = value;
      });
      const setCookies = response.headers.getSetCookie();
      if (setCookies.length > 0) out['set-cookie'] = setCookies;
      const body = Buffer.from(await response.arrayBuffer());
      // A body the handler did not read (refused before it) is read and dropped, bounded, before the answer: a
      // connection closed under a client still sending resets, and the client may lose the answer with it.
      requestBody?.detach();
      if (!(await drainRest(req, DRAIN_BYTES, DRAIN_MS))) out.connection = 'close';
      out['content-length'] = String(body.length);
      res.writeHead(response.status, out);
      res.end(body);
    })().catch((error: unknown) => {
      console.error('[cairn] node:http bridge failed:', error);
      if (!res.headersSent) answerProblem(res, 500, 'internal_error', 'The request failed; see the server logs');
      else res.end();
    });
  };
}

function endWithProblem(socket: Socket | Duplex, status: number, reason: string, code: string, message: string): void {
  const body = JSON.stringify(problemBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * Answers what never reaches the request listener with Cairn's typed error body instead of a bare status line
 * or a dropped connection: requests node:http cannot parse (bad header bytes, a missing Host, oversized headers)
 * and CONNECT (which node:http hands to a 'connect' listener, or drops).
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    if (error.code === 'HPE_HEADER_OVERFLOW')
      return endWithProblem(socket, 431, 'Request Header Fields Too Large', 'invalid_request', 'The request headers are too large');
    endWithProblem(socket, 400, 'Bad Request', 'invalid_request', 'The request is not valid HTTP/1.1');
  });
  server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    endWithProblem(socket, 405, 'Method Not Allowed', 'method_not_allowed', 'CONNECT is not served');
  });
}

/**
 * A node:http server for a host's listener: the Host header checked by the listener (a typed 400 rather than
 * node:http's bare one), unparseable requests and CONNECT answered with typed errors.
 */
export function createHostServer(listener: RequestListener): Server {
  const server = createServer({ requireHostHeader: false }, listener);
  answerClientErrors(server);
  return server;
}
