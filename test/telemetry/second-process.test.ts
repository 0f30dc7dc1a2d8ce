// One trace per instance across processes: an instance created and run until it sleeps here, its trace context
// recorded in SQLite, is resumed by a sweep in a second process (its own SDK, registered globally), whose replay
// joins this process's trace as a child of the create span and links to the sweep that ran it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '@cairn/core';
import { createSqliteStore } from '@cairn/store-sqlite';
import { Nap } from './nap-workflow.ts';
import { parentOf, telemetryRig } from './support.ts';

interface ChildSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  links: string[];
  attributes: Record<string, unknown>;
}

const childPath = fileURLToPath(new URL('./resume-child.ts', import.meta.url));

function runChild(dbPath: string): Promise<ChildSpan[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childPath, dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`child exited with ${code}: ${err}`));
      else
        resolve(
          out
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as ChildSpan),
        );
    });
  });
}

describe('an instance resumed in another process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-otel-2p-'));
  const dbPath = join(dir, 'cairn.db');
  const rig = telemetryRig();
  let childSpans: ChildSpan[];

  beforeAll(async () => {
    const store = createSqliteStore({ path: dbPath });
    // This process runs the instance until it suspends at the sleep, then stops before the sleep ends.
    const runtime = createRuntime({
      store,
      workflows: { NAP: Nap },
      owner: 'runner-a',
      maxInProcessWaitMs: 0,
      telemetry: { tracerProvider: rig.tracerProvider },
    });
    const instance = await runtime.workflow('NAP').create({ id: 'nap-1' });
    for (let i = 0; i < 200 && (await instance.status()).status !== 'waiting'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await instance.status()).status).toBe('waiting');
    await runtime.close();
    store.close();
    await rig.tracerProvider.forceFlush();
    await new Promise((resolve) => setTimeout(resolve, 400));
    childSpans = await runChild(dbPath);
  }, 30_000);
  afterAll(async () => {
    await rig.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('joins the first process trace, under the create span, and links to the sweep that ran it', () => {
    const create = rig.span('cairn.create');
    const firstReplay = rig.span('cairn.replay');
    expect(parentOf(firstReplay)).toBe(create.spanContext().spanId);
    const replay = childSpans.find((span) => span.name === 'cairn.replay');
    const sweep = childSpans.find((span) => span.name === 'cairn.sweep');
    expect(replay, JSON.stringify(childSpans)).toBeDefined();
    expect(sweep).toBeDefined();
    expect(replay!.traceId).toBe(create.spanContext().traceId);
    expect(replay!.parentSpanId).toBe(create.spanContext().spanId);
    expect(replay!.attributes).toMatchObject({ 'cairn.runner': 'runner-b', 'cairn.replay.outcome': 'complete' });
    expect(replay!.links).toEqual([sweep!.spanId]);
    expect(sweep!.traceId).not.toBe(create.spanContext().traceId);
    // The sleep that began in the first process ends in the second, under the instance's span; the step after it
    // is a child of the second process's replay; the step before it made no span there (it was replayed).
    expect(childSpans.find((span) => span.name === 'cairn.step nap')?.parentSpanId).toBe(create.spanContext().spanId);
    expect(childSpans.find((span) => span.name === 'cairn.step after')?.parentSpanId).toBe(replay!.spanId);
    expect(childSpans.some((span) => span.name === 'cairn.step before')).toBe(false);
  });
});
