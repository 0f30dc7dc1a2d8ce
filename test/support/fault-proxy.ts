// An HTTP/1.1 fault proxy on 127.0.0.1, in front of a local stand-in (DynamoDB Local, a scheduler stand-in):
// it forwards each request and, at the rates it is given, injects the faults networks and cloud services cause
// every day. Each fault is real at the wire: the client sees a reset socket, a 5xx, a throttle, a slow answer.
//
//   lose        forward, wait for the answer, then reset the client's socket (applied, answer lost)
//   error5xx    answer 500 without forwarding (not applied)
//   after5xx    forward, then answer 503 instead of the real answer (applied, the client told it failed)
//   throttle    answer 400 ThrottlingException without forwarding (DynamoDB's throttle shape)
//   delay       hold the request 50–400 ms, then forward
//   duplicate   forward twice; the client gets the first answer (a network that delivers a request twice)

import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultKind = 'lose' | 'error5xx' | 'after5xx' | 'throttle' | 'delay' | 'duplicate';

export type FaultRates = Partial<Record<FaultKind, number>>;

export interface FaultProxyOptions {
  /** `http://127.0.0.1:<port>` of the service behind the proxy. */
  target: string;
  /** Probability of each fault per request (they are exclusive; the rest pass untouched). */
  rates?: FaultRates;
  /** Only requests this returns true for may be faulted (default: every request). */
  match?: (request: { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer }) => boolean;
  /** A seeded random source, for a reproducible run. @default Math.random */
  random?: () => number;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: point the client's endpoint here. */
  readonly endpoint: string;
  /** Requests seen and faults injected so far, by kind. */
  readonly stats: Readonly<Record<FaultKind | 'requests', number>>;
  setRates(rates: FaultRates): void;
  close(): Promise<void>;
}

const KINDS: FaultKind[] = ['lose', 'error5xx', 'after5xx', 'throttle', 'delay', 'duplicate'];

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function forward(target: URL, incoming: IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...incoming.headers, host: target.host, 'content-length': String(body.length) };
    const outgoing = httpRequest({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers, agent: false }, (response) =>
      readAll(response).then((bytes) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: bytes }), reject),
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function answer(response: ServerResponse, { status, headers, body }: Answer): void {
  const { 'transfer-encoding': _chunked, connection: _connection, ...rest } = headers;
  response.writeHead(status, { ...rest, 'content-length': String(body.length) });
  response.end(body);
}

function jsonError(status: number, type: string, message: string): Answer {
  const body = Buffer.from(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }));
  return { status, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type }, body };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = options.random ?? Math.random;
  let rates: FaultRates = options.rates ?? {};
  const stats: Record<FaultKind | 'requests', number> = { requests: 0, lose: 0, error5xx: 0, after5xx: 0, throttle: 0, delay: 0, duplicate: 0 };

  const pick = (): FaultKind | undefined => {
    let roll = random();
    for (const kind of KINDS) {
      const rate = rates[kind] ?? 0;
      if (roll < rate) return kind;
      roll -= rate;
    }
    return undefined;
  };

  const handle = async (incoming: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readAll(incoming);
    stats.requests++;
    const eligible = !options.match || options.match({ method: incoming.method ?? 'GET', url: incoming.url ?? '/', headers: incoming.headers, body });
    const fault = eligible ? pick() : undefined;
    if (fault) stats[fault]++;
    switch (fault) {
      case 'error5xx':
        return answer(response, jsonError(500, 'InternalServerError', 'injected: internal server error'));
      case 'throttle':
        return answer(response, jsonError(400, 'ThrottlingException', 'injected: rate of requests exceeds the allowed throughput'));
      case 'lose':
        await forward(target, incoming, body);
        response.socket?.resetAndDestroy();
        return;
      case 'after5xx':
        await forward(target, incoming, body);
        return answer(response, jsonError(503, 'ServiceUnavailable', 'injected: the service is unavailable'));
      case 'delay':
        await sleep(50 + random() * 350);
        return answer(response, await forward(target, incoming, body));
      case 'duplicate': {
        const first = await forward(target, incoming, body);
        answer(response, first);
        await forward(target, incoming, body).catch(() => undefined);
        return;
      }
      default:
        return answer(response, await forward(target, incoming, body));
    }
  };

  const server: Server = createServer((incoming, response) => {
    handle(incoming, response).catch(() => response.socket?.destroy());
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    setRates: (next) => void (rates = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
