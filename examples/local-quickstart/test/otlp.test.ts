// `npm run otlp`: the quick-start with the OpenTelemetry Node SDK, exporting over OTLP/HTTP to a receiver this
// test starts on 127.0.0.1, which decodes what arrives: the instance's spans in one trace (create, every
// replay, the retried payment's attempts, the sleep and the wait) and Cairn's metrics. Runs the built packages.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: OtlpAttribute[];
}
interface Received {
  traces: Array<{ resourceSpans: Array<{ resource: { attributes: OtlpAttribute[] }; scopeSpans: Array<{ spans: OtlpSpan[] }> }> }>;
  metrics: Array<{ resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: Array<{ name: string; unit?: string }> }> }> }>;
}

const exampleDir = fileURLToPath(new URL('..', import.meta.url));
const received: Received = { traces: [], metrics: [] };
let server: Server;
let endpoint: string;
let output = '';
const dir = mkdtempSync(join(tmpdir(), 'cairn-otlp-'));

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      expect(request.headers['content-type']).toMatch(/application\/json/);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (request.url === '/v1/traces') received.traces.push(body);
      else if (request.url === '/v1/metrics') received.metrics.push(body);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', './src/telemetry.ts', 'src/main.ts'], {
      cwd: exampleDir,
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, CAIRN_DEMO_DB: join(dir, 'demo.db'), OTEL_SERVICE_NAME: 'cairn-quickstart-test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', resolve);
  });
  expect(code, output).toBe(0);
}, 60_000);
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const text = (attributes: OtlpAttribute[], key: string) => {
  const value = attributes.find((attribute) => attribute.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : String(value.intValue));
};

describe('the quick-start exporting over OTLP/HTTP', () => {
  it('sends the instance as one trace: its create span, every replay and each step attempt, named by service', () => {
    const batches = received.traces.flatMap((body) => body.resourceSpans);
    expect(batches.length, output).toBeGreaterThan(0);
    expect(new Set(batches.map((batch) => text(batch.resource.attributes, 'service.name')))).toEqual(new Set(['cairn-quickstart-test']));
    const spans = batches.flatMap((batch) => batch.scopeSpans.flatMap((scope) => scope.spans));
    const create = spans.find((span) => span.name === 'cairn.create');
    expect(create).toBeDefined();
    const instance = spans.filter((span) => span.traceId === create!.traceId);
    const replays = instance.filter((span) => span.name === 'cairn.replay');
    expect(replays.length).toBeGreaterThanOrEqual(2);
    expect(replays.every((span) => span.parentSpanId === create!.spanId)).toBe(true);
    expect(replays.map((span) => text(span.attributes, 'cairn.replay.outcome'))).toContain('complete');
    const charges = instance.filter((span) => span.name === 'cairn.step charge payment');
    expect(charges.map((span) => text(span.attributes, 'cairn.step.outcome'))).toEqual(['retrying', 'retrying', 'completed']);
    expect(instance.some((span) => span.name === 'cairn.step fraud-check cool-off' && text(span.attributes, 'cairn.step.kind') === 'sleep')).toBe(true);
    expect(instance.some((span) => span.name === 'cairn.step manager approval' && text(span.attributes, 'cairn.step.kind') === 'waitForEvent')).toBe(true);
  });

  it("sends Cairn's metrics, with units", () => {
    const metrics = received.metrics.flatMap((body) => body.resourceMetrics.flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics)));
    const names = new Set(metrics.map((metric) => metric.name));
    for (const name of [
      'cairn.instance.started',
      'cairn.instance.completed',
      'cairn.step.completed',
      'cairn.step.retried',
      'cairn.step.duration',
      'cairn.replay.duration',
    ]) {
      expect(names, [...names].join(', ')).toContain(name);
    }
    expect(metrics.find((metric) => metric.name === 'cairn.step.duration')?.unit).toBe('s');
  });
});
