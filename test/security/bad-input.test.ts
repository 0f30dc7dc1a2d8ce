// The bad-input suite: every input of inputs.ts against the Cloud Run host (signed, so each reaches the parsing
// it tests), the Lambda host (Function URL and API Gateway REST events) and the Node host's server (a process of
// its own, over real HTTP, with raw requests fetch cannot make). Every one is a 4xx with Cairn's typed error
// body, nothing is written, the server keeps serving, and memory stays bounded.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore, createRuntime, signRequest, WorkflowEntrypoint, type Runtime, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createCloudRunHandler } from '@cairn/host-cloud-run';
import { createLambdaHandler } from '@cairn/host-lambda';
import { createSqliteStore } from '@cairn/store-sqlite';
import { lambdaContext } from '../aws/support/lambda-context.js';
import { createOidcSigner } from '../gcp/oidc-signer.js';
import { badInputs, type BadInput } from './inputs.js';

const SECRET = 'bad-input-secret-0123456789abcdef0123456789';
const SERVICE = 'https://orders-abc-uc.a.run.app';
const root = fileURLToPath(new URL('../../', import.meta.url));
const inputs = badInputs();
const tally = { requests: 0, raw: 0 };

class Parked extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.waitForEvent('approval', { type: 'approval', timeout: '1 day' });
  }
}

interface Answer {
  status: number;
  text: string;
}

async function snapshot(store: Runtime['store']) {
  const { instances } = await store.listInstances({ limit: 100 });
  return Promise.all(instances.map((instance) => store.loadJournal(instance)));
}

async function parked(store: Runtime['store'], instanceId: string): Promise<void> {
  const until = Date.now() + 10_000;
  while ((await store.getInstance({ workflowName: 'PARKED', instanceId }))?.status !== 'waiting') {
    if (Date.now() > until) throw new Error(`${instanceId} never reached its wait`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function expectRefused(input: BadInput, answer: Answer): void {
  const label = `${input.name}: answered ${answer.status} ${answer.text.slice(0, 200)}`;
  expect(answer.status, label).toBeGreaterThanOrEqual(400);
  expect(answer.status, label).toBeLessThan(500);
  if (input.status !== undefined) expect(answer.status, label).toBe(input.status);
  const body = JSON.parse(answer.text) as { error?: { code?: unknown; message?: unknown } };
  expect(body.error?.code, label).toEqual(expect.any(String));
  expect(body.error?.message, label).toEqual(expect.any(String));
  if (input.code !== undefined) expect(body.error?.code, label).toBe(input.code);
}

const contentTypeOf = (input: BadInput): Record<string, string> => {
  if (input.contentType === null) return {};
  if (input.contentType !== undefined) return { 'content-type': input.contentType };
  return input.body === undefined ? {} : { 'content-type': 'application/json' };
};
const bodyBytes = (input: BadInput) =>
  input.body === undefined ? undefined : typeof input.body === 'string' ? Buffer.from(input.body) : Buffer.from(input.body);

/** Runs every input through `send`; checks each answer, that nothing changed, and that memory stays bounded. */
async function runAll(store: Runtime['store'], send: (input: BadInput) => Promise<Answer>, skip: (input: BadInput) => boolean = () => false) {
  const before = await snapshot(store);
  const heap = process.memoryUsage().heapUsed;
  for (let round = 0; round < 2; round++) {
    for (const input of inputs) {
      if (skip(input)) continue;
      expectRefused(input, await send(input));
      tally.requests++;
    }
  }
  expect(await snapshot(store)).toEqual(before);
  // Two rounds of every input (several of them megabytes) leave the heap where it was, give or take.
  expect(process.memoryUsage().heapUsed - heap).toBeLessThan(96 * 1024 * 1024);
}

describe('the Cloud Run host', () => {
  const runtime = createRuntime({ store: createMemoryStore(), workflows: { PARKED: Parked }, maxInProcessWaitMs: 0 });
  const signer = createOidcSigner();
  const handler = createCloudRunHandler({
    runtime,
    auth: {
      oidc: { client: new OAuth2Client(), audience: SERVICE, certs: () => signer.certs(), serviceAccounts: ['tasks@demo.iam.gserviceaccount.com'] },
      hmac: { secrets: [SECRET] },
    },
    onAuthFailure: () => undefined,
  });
  const send = async (input: BadInput): Promise<Answer> => {
    const body = bodyBytes(input);
    const headers = { ...contentTypeOf(input), ...signRequest({ secret: SECRET, method: input.method, url: input.path, body }) };
    // fetch's Request forbids TRACE: it reaches a Cloud Run service only through node:http (the Node host case).
    const response = await handler.fetch(new Request(`${SERVICE}${input.path}`, { method: input.method, headers, body }));
    return { status: response.status, text: await response.text() };
  };
  beforeAll(async () => {
    expect((await send({ name: 'setup', method: 'POST', path: '/workflows/PARKED/instances', body: '{"id":"parked-1"}' })).status).toBe(201);
    await parked(runtime.store, 'parked-1');
  });
  afterAll(() => runtime.close());

  it(`refuses every bad input with a typed 4xx and writes nothing (${inputs.length} inputs)`, { timeout: 120_000 }, async () => {
    await runAll(runtime.store, send, (input) => input.method === 'TRACE');
  });
});

describe('the Lambda host', () => {
  const runtime = createRuntime({ store: createMemoryStore(), workflows: { PARKED: Parked }, maxInProcessWaitMs: 0 });
  const handler = createLambdaHandler({ runtime, safetyMarginMs: 1_000 });
  const context = () => lambdaContext({ functionName: 'fn', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn', timeoutMs: 30_000 });
  const functionUrl = async (input: BadInput): Promise<Answer> => {
    const body = bodyBytes(input);
    const event = {
      version: '2.0',
      rawPath: input.path,
      rawQueryString: '',
      headers: { host: 'abc.lambda-url.us-east-1.on.aws', ...contentTypeOf(input) },
      requestContext: { domainName: 'abc.lambda-url.us-east-1.on.aws', http: { method: input.method } },
      ...(body ? { body: body.toString('base64'), isBase64Encoded: true } : {}),
    };
    const result = (await handler(event, context())) as { statusCode: number; body?: string };
    return { status: result.statusCode, text: result.body ?? '' };
  };
  const restApi = async (input: BadInput): Promise<Answer> => {
    const body = bodyBytes(input);
    const event = {
      httpMethod: input.method,
      path: input.path,
      headers: { Host: 'abc.execute-api.us-east-1.amazonaws.com', ...contentTypeOf(input) },
      multiValueHeaders: null,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      requestContext: { domainName: 'abc.execute-api.us-east-1.amazonaws.com' },
      body: body ? body.toString('base64') : null,
      isBase64Encoded: body !== undefined,
    };
    const result = (await handler(event, context())) as { statusCode: number; body: string };
    return { status: result.statusCode, text: result.body };
  };
  beforeAll(async () => {
    expect((await functionUrl({ name: 'setup', method: 'POST', path: '/workflows/PARKED/instances', body: '{"id":"parked-1"}' })).status).toBe(201);
    // This runtime has no scheduler that delivers: run the instance to its wait here.
    await runtime.replay({ workflowName: 'PARKED', instanceId: 'parked-1' });
    await parked(runtime.store, 'parked-1');
  });
  afterAll(() => runtime.close());

  it('Function URL events: every bad input refused with a typed 4xx, nothing written', { timeout: 120_000 }, async () => {
    await runAll(runtime.store, functionUrl);
  });

  it('API Gateway REST events: every bad input refused with a typed 4xx, nothing written', { timeout: 120_000 }, async () => {
    await runAll(runtime.store, restApi);
  });
});

/** One raw HTTP/1.1 exchange: what fetch cannot send (TRACE, CONNECT, a bad Host, bare bytes). */
function rawRequest(port: number, text: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', ...rest] = received.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, text: rest.join('\r\n\r\n') });
    });
    socket.end(text);
  });
}

describe('the Node host server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bad-input-'));
  const dbPath = join(dir, 'cairn.db');
  const childPath = join(dir, 'server-child.mjs');
  let child: ChildProcess;
  let url: string;
  let port: number;

  beforeAll(async () => {
    await build({
      entryPoints: [fileURLToPath(new URL('./server-child.ts', import.meta.url))],
      outfile: childPath,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      logLevel: 'error',
      alias: {
        '@cairn/core': join(root, 'packages/core/src/index.ts'),
        '@cairn/store-sqlite': join(root, 'adapters/store-sqlite/src/index.ts'),
        '@cairn/host-node': join(root, 'adapters/host-node/src/index.ts'),
      },
    });
    child = spawn(process.execPath, [childPath, dbPath, SECRET], { stdio: ['ignore', 'pipe', 'inherit'] });
    url = (await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve))).trim();
    port = Number(new URL(url).port);
  }, 60_000);
  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const send = async (input: BadInput): Promise<Answer> => {
    const body = bodyBytes(input);
    const headers = { ...contentTypeOf(input), ...signRequest({ secret: SECRET, method: input.method, url: input.path, body }) };
    if (input.method === 'TRACE') {
      const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
      return rawRequest(port, `TRACE ${input.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join('\r\n')}\r\nConnection: close\r\n\r\n`);
    }
    const response = await fetch(`${url}${input.path}`, { method: input.method, headers, body });
    return { status: response.status, text: await response.text() };
  };
  const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

  it('refuses every bad input over real HTTP; the process stays up and its memory bounded', { timeout: 180_000 }, async () => {
    const store = createSqliteStore({ path: dbPath });
    try {
      expect((await send({ name: 'setup', method: 'POST', path: '/workflows/PARKED/instances', body: '{"id":"parked-1"}' })).status).toBe(201);
      await parked(store, 'parked-1');
      await runAll(store, send);
      const rssBefore = rssOf(child.pid!);
      await runAll(store, send);
      expect(rssOf(child.pid!) - rssBefore, 'the server process grows by less than 64 MiB over another two rounds').toBeLessThan(64 * 1024 * 1024);
    } finally {
      await store.close();
    }
  });

  it('raw requests fetch cannot make: CONNECT, TRACK, bad Host headers, bad request lines; all typed 4xx', async () => {
    const raw: Array<[string, string]> = [
      ['CONNECT', 'CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n'],
      ['TRACK', 'TRACK / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
      ['a Host with a space', 'GET /workflows/PARKED/instances/parked-1 HTTP/1.1\r\nHost: bad host\r\n\r\n'],
      ['a Host with a path', 'GET /workflows/PARKED/instances/parked-1 HTTP/1.1\r\nHost: evil.example/x\r\n\r\n'],
      ['a Host with user info', 'GET /workflows/PARKED/instances/parked-1 HTTP/1.1\r\nHost: user@evil.example\r\n\r\n'],
      ['a Host with a port out of range', 'GET /workflows/PARKED/instances/parked-1 HTTP/1.1\r\nHost: 127.0.0.1:99999\r\n\r\n'],
      ['no Host header', 'GET /workflows/PARKED/instances/parked-1 HTTP/1.1\r\n\r\n'],
      ['two Host headers', 'GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n'],
      ['an absolute-form target', 'GET http://evil.example/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
      ['an asterisk target', 'OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
      ['a header with a NUL byte', 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bad: a\u0000b\r\n\r\n'],
      ['a request line of garbage', 'HELLO\r\n\r\n'],
      ['an invalid Content-Length', 'POST /workflows/PARKED/instances HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n'],
      [
        'both Content-Length and chunked',
        'POST /workflows/PARKED/instances HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      ],
      ['64 KiB of headers', `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(65_536)}\r\n\r\n`],
      [
        'a declared body past the limit',
        `POST /workflows/PARKED/instances HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 9999999\r\n\r\n{}`,
      ],
    ];
    for (const [name, text] of raw) {
      const answer = await rawRequest(port, text);
      expect(answer.status, `${name}: ${answer.status} ${answer.text.slice(0, 120)}`).toBeGreaterThanOrEqual(400);
      expect(answer.status, name).toBeLessThan(500);
      let parsed: { error?: { code?: string } } | undefined;
      try {
        parsed = JSON.parse(answer.text) as { error?: { code?: string } };
      } catch {
        parsed = undefined;
      }
      expect(parsed?.error?.code, `${name}: ${answer.text.slice(0, 200)}`).toEqual(expect.any(String));
      tally.raw++;
      tally.requests++;
    }
    // Still serving.
    const alive = await fetch(`${url}/workflows/PARKED/instances/parked-1`, {
      headers: signRequest({ secret: SECRET, method: 'GET', url: '/workflows/PARKED/instances/parked-1' }),
    });
    expect(alive.status).toBe(200);
    const distinct = inputs.length + tally.raw;
    console.log(
      `[bad-input] ${distinct} distinct bad inputs, ${tally.requests} requests to three hosts (Cloud Run, Lambda URL and REST events, the Node server): all typed 4xx, nothing written`,
    );
    expect(distinct).toBeGreaterThanOrEqual(150);
  });
});
