// wrangler's own `workflows … --local` commands (wrangler from npm, which needs no network for them) against
// `cairn dev`: list, trigger, instances list, describe (and `latest`), pause, resume, send-event, restart and
// terminate all work on a Cairn-run workflow, and print what they print against `wrangler dev` for the same
// journal. Runs the built CLI (`npm test` builds first).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cliPath = join(root, 'packages/cli/dist/cli.js');
const wranglerBin = join(dirname(createRequire(import.meta.url).resolve('wrangler/package.json')), 'bin/wrangler.js');
const dir = mkdtempSync(join(tmpdir(), 'cairn-wrangler-'));

let dev: ChildProcess;
let port: number;
let devOutput = '';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function wrangler(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wranglerBin, 'workflows', ...args, '--local', '--port', String(port)], {
      cwd: dir,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', FORCE_COLOR: '0', NO_COLOR: '1', CI: '1', WRANGLER_LOG_PATH: join(dir, 'wrangler-logs') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function ok(...args: string[]): Promise<string> {
  const run = await wrangler(...args);
  expect(run.code, `wrangler workflows ${args.join(' ')}\n${run.stdout}\n${run.stderr}`).toBe(0);
  return run.stdout;
}

async function explorer(path: string): Promise<any> {
  const response = await fetch(`http://127.0.0.1:${port}/cdn-cgi/local/explorer/api${path}`);
  return ((await response.json()) as { result: unknown }).result;
}

async function until<T>(check: () => Promise<T | false | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  writeFileSync(
    join(dir, 'cairn.config.json'),
    JSON.stringify({
      store: { type: 'sqlite', path: join(dir, 'dev.db') },
      workflows: { ORDER: `${join(root, 'examples/local-quickstart/src/workflow.ts')}#OrderWorkflow` },
    }),
  );
  dev = spawn(process.execPath, [cliPath, 'dev', '--port', '0', '--config', join(dir, 'cairn.config.json')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  dev.stdout!.on('data', (chunk: Buffer) => (devOutput += chunk.toString()));
  dev.stderr!.on('data', (chunk: Buffer) => (devOutput += chunk.toString()));
  port = await until(async () => Number(/127\.0\.0\.1:(\d+)\/cdn-cgi/.exec(devOutput)?.[1] ?? 0) || false, `cairn dev to listen:\n${devOutput}`);
}, 30_000);

afterAll(async () => {
  if (dev && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev.once('exit', resolve));
    dev.kill('SIGINT');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('wrangler workflows --local against cairn dev', () => {
  it('lists the workflow and triggers an instance with an id and params', async () => {
    const listed = await ok('list');
    expect(listed).toContain('Showing 1 workflow from local dev session:');
    expect(listed).toMatch(/ORDER\s*│\s*cairn-dev\s*│\s*OrderWorkflow/);
    const triggered = await ok('trigger', 'ORDER', JSON.stringify({ orderId: 'o1', amount: 5 }), '--id', 'o-1');
    expect(triggered).toContain('🚀 Workflow instance "o-1" has been triggered successfully');
    const instances = await ok('instances', 'list', 'ORDER');
    expect(instances).toContain('Showing 1 instance from page 1:');
    expect(instances).toContain('o-1');
  });

  it('describes the instance as it runs: retried attempts, the sleep, the event wait (also as `latest`)', async () => {
    await until(
      async () => (await explorer('/workflows/ORDER/instances/o-1')).steps.some((s: { type: string }) => s.type === 'waitForEvent'),
      'the approval wait',
    );
    const described = await ok('instances', 'describe', 'ORDER', 'latest');
    expect(described).toContain('Instance Id');
    expect(described).toContain('o-1');
    expect(described).toContain('charge payment-1');
    expect(described).toContain('payment provider timed out');
    expect(described).toContain('fraud-check cool-off-1');
    expect(described).toContain('manager approval-1');
    expect(described).toContain('Last Successful Step');
  });

  it('pauses and resumes, sends the event it waits for, and it completes', async () => {
    expect(await ok('instances', 'pause', 'ORDER', 'o-1')).toContain('o-1');
    expect((await explorer('/workflows/ORDER/instances/o-1')).status).toBe('paused');
    expect(await ok('instances', 'resume', 'ORDER', 'o-1')).toContain('o-1');
    await ok('instances', 'send-event', 'ORDER', 'o-1', '--type', 'order-approved', '--payload', JSON.stringify({ approver: 'ada' }));
    await until(async () => (await explorer('/workflows/ORDER/instances/o-1')).status === 'complete', 'completion');
    const described = await ok('instances', 'describe', 'ORDER', 'o-1');
    expect(described).toContain('Completed');
    expect(described).toContain('res_o1');
    expect((await explorer('/workflows/ORDER')).instances).toMatchObject({ complete: 1, running: 0 });
  });

  it('restarts the instance and terminates it; a finished instance refuses terminate; an unknown one is not found', async () => {
    await ok('instances', 'restart', 'ORDER', 'o-1');
    await until(async () => (await explorer('/workflows/ORDER/instances/o-1')).status !== 'complete', 'the restart');
    await ok('instances', 'terminate', 'ORDER', 'o-1');
    expect((await explorer('/workflows/ORDER/instances/o-1')).status).toBe('terminated');
    const again = await wrangler('instances', 'terminate', 'ORDER', 'o-1');
    expect(again.code).not.toBe(0);
    expect(again.stdout + again.stderr).toContain('Local API error: ');
    const missing = await wrangler('instances', 'describe', 'ORDER', 'nope');
    expect(missing.code).not.toBe(0);
    expect(missing.stdout + missing.stderr).toContain("Local API error: Workflow instance 'nope' not found.");
    const unknown = await wrangler('instances', 'list', 'NOPE');
    expect(unknown.stdout + unknown.stderr).toContain("Local API error: Workflow 'NOPE' not found.");
  });

  it('stops cleanly on Ctrl-C', async () => {
    const exited = new Promise<number | null>((resolve) => dev.once('exit', resolve));
    dev.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(devOutput).toContain('cairn dev: stopping');
  });
});
