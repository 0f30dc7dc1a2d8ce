// Small helpers the AWS stand-ins share: read a body, answer with JSON or an AWS error shape.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  response.end(text);
}

/** An AWS restJson1 error: the type in `x-amzn-ErrorType` and `{ Message }` (or Lambda's `{ Type, message }`) in the body. */
export function sendAwsError(response: ServerResponse, status: number, type: string, message: string, body?: Record<string, unknown>): void {
  sendJson(response, status, body ?? { Message: message }, { 'x-amzn-errortype': type });
}

/** Starts an HTTP server on 127.0.0.1 on a free port. */
export async function listen(handler: (request: IncomingMessage, response: ServerResponse) => Promise<void>): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    handler(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendAwsError(response, 500, 'InternalServerException', String(error));
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

export async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** SigV4 is not checked, but a request must carry it: proves the SDK client is configured as in AWS. */
export function isSigned(request: IncomingMessage): boolean {
  return (request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 Credential=');
}
