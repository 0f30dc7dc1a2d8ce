// wrangler's `--local` commands print the same against `cairn dev` as against `wrangler dev`: one order workflow
// (a charge retried twice, a sleep, an approval wait), as a Worker on Cloudflare's local engine and as a Cairn
// workflow, driven by the same commands; outputs are compared after masking what differs by nature (times,
// durations, the script name, table padding). Both servers run here, on 127.0.0.1, with no network.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const wranglerBin = join(dirname(createRequire(import.meta.url).resolve('wrangler/package.json')), 'bin/wrangler.js');
const dir = mkdtempSync(join(tmpdir(), 'cairn-wrangler-compare-'));
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', FORCE_COLOR: '0', NO_COLOR: '1', CI: '1', WRANGLER_LOG_PATH: join(dir, 'logs') };

interface Server {
  name: string;
  port: number;
  child: ChildProcess;
}
const servers: Server[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until<T>(check: () => Promise<T | false | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function start(name: string, command: string[], cwd: string, ready: RegExp): Promise<Server> {
  const child = spawn(process.execPath, command, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = Number(
    await until(async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
      return ready.exec(output)?.[1];
    }, `${name} to be ready`),
  );
  const server = { name, port, child };
  servers.push(server);
  return server;
}

function wrangler(server: Server, ...args: string[]): Promise<{ code: number | null; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wranglerBin, 'workflows', ...args, '--local', '--port', String(server.port)], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, text }));
  });
}

/** What differs by nature between two runs: times, durations, the script's name, and the padding they cause. */
function masked(text: string): string {
  return text
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<iso time>')
    .replace(/wrangler-[\d_-]+\.log/g, 'wrangler-<time>.log')
    .replace(/\d{1,2}\/\d{1,2}\/\d{4},? \d{1,2}:\d{2}:\d{2}( [AP]M)?/g, '<time>')
    .replace(/\b\d+(\.\d+)? (milliseconds?|seconds?|minutes?|hours?|days?)\b/g, '<duration>')
    .replace(/\b(probe|cairn-dev)\b/g, '<script>')
    .replace(/[─┌┐└┘├┤┬┴┼]+/g, '─')
    .replace(/[ \t]+/g, ' ')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
}

async function explorer(server: Server, path: string): Promise<any> {
  return ((await (await fetch(`http://127.0.0.1:${server.port}/cdn-cgi/local/explorer/api${path}`)).json()) as { result: unknown }).result;
}

/**
 * The one difference kept on purpose: an instance waiting for an event is `waiting` on Cairn (as on Cloudflare's
 * deployed API), where the local engine of `wrangler dev` still says `running`.
 */
const asLocalEngineSays = (text: string) => text.replace(/⏰ Waiting/g, '▶ Running');

/** Runs the command against both and expects the same masked output (and exit code). */
async function same(...args: string[]): Promise<string> {
  const [cloudflare, cairn] = await Promise.all(servers.map((server) => wrangler(server, ...args)));
  expect(masked(asLocalEngineSays(cairn!.text)), `wrangler workflows ${args.join(' ')}`).toBe(masked(cloudflare!.text));
  expect(cairn!.code).toBe(cloudflare!.code);
  return cairn!.text;
}

beforeAll(async () => {
  cpSync(join(fixtures, 'worker'), join(dir, 'worker'), { recursive: true });
  writeFileSync(
    join(dir, 'cairn.config.json'),
    JSON.stringify({ store: { type: 'sqlite', path: join(dir, 'cairn.db') }, workflows: { order: `${join(fixtures, 'order-workflow.ts')}#OrderWorkflow` } }),
  );
  const port = await freePort();
  await start(
    'wrangler dev',
    [wranglerBin, 'dev', '--port', String(port), '--ip', '127.0.0.1', '--persist-to', join(dir, 'state')],
    join(dir, 'worker'),
    /Ready on http:\/\/127\.0\.0\.1:(\d+)/,
  );
  await start(
    'cairn dev',
    [join(root, 'packages/cli/dist/cli.js'), 'dev', '--port', '0', '--config', join(dir, 'cairn.config.json')],
    dir,
    /127\.0\.0\.1:(\d+)\/cdn-cgi/,
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(
    servers.map(async ({ child }) => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }),
  );
  rmSync(dir, { recursive: true, force: true });
});

describe('wrangler workflows --local: cairn dev prints what wrangler dev prints', () => {
  it('list and trigger', async () => {
    expect(await same('list')).toContain('order');
    expect(await same('trigger', 'order', '{"orderId":"o1"}', '--id', 'o-1')).toContain('o-1');
  });

  it('describe, once the instance waits for its approval, and its attempts', async () => {
    for (const server of servers) {
      await until(
        async () => (await explorer(server, '/workflows/order/instances/o-1')).steps.some((s: { type: string }) => s.type === 'waitForEvent'),
        `${server.name}: the approval wait`,
      );
    }
    await same('instances', 'list', 'order');
    await same('instances', 'describe', 'order', 'o-1');
  });

  it('send-event, then the completed instance described (also as latest)', async () => {
    await same('instances', 'send-event', 'order', 'o-1', '--type', 'approval', '--payload', '{"approver":"ada"}');
    for (const server of servers)
      await until(async () => (await explorer(server, '/workflows/order/instances/o-1')).status === 'complete', `${server.name}: completion`);
    expect(await same('instances', 'describe', 'order', 'o-1')).toContain('p-o1');
    await same('instances', 'describe', 'order', 'latest');
    await same('instances', 'list', 'order', '--status', 'complete');
  });

  it('pause, resume, terminate and restart a second instance; the refusals read the same', async () => {
    await same('trigger', 'order', '{"orderId":"o2"}', '--id', 'o-2');
    for (const server of servers) {
      await until(
        async () => (await explorer(server, '/workflows/order/instances/o-2')).steps.some((s: { type: string }) => s.type === 'waitForEvent'),
        `${server.name}: o-2's wait`,
      );
    }
    await same('instances', 'pause', 'order', 'o-2');
    await same('instances', 'resume', 'order', 'o-2');
    await same('instances', 'terminate', 'order', 'o-2');
    await same('instances', 'restart', 'order', 'o-2');
    await same('instances', 'describe', 'order', 'nope');
  });
});
