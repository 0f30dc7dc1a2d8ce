// `cairn dev --url`: the explorer for a deployed host, here the Node host serving with HMAC request signatures.
// Requests to the local explorer API are forwarded signed with $CAIRN_HMAC_SECRET: the host answers them, and a
// wrong secret is refused by the host (401), never served. No config and no store are opened locally.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '@cairn/core';
import { createNodeHost, serveHost, type ServedHost } from '@cairn/host-node';
import QuickWorkflow from './fixtures/workflows.ts';
import { buildCli, cairn, CLI_DIR, until } from './support.ts';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const host = createNodeHost({ store: createMemoryStore(), workflows: { QUICK: QuickWorkflow }, handleSignals: false });
let served: ServedHost;
const devs: ChildProcess[] = [];

async function dev(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [join(CLI_DIR, 'dist/cli.js'), 'dev', '--port', '0', '--url', served.url], {
    cwd: CLI_DIR,
    env: { ...process.env, CAIRN_HMAC_SECRET: '', CAIRN_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  devs.push(child);
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return until(async () => /explorer: +(http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1], `cairn dev --url to listen:\n${output}`);
}

beforeAll(async () => {
  buildCli();
  await host.start();
  served = await serveHost(host, { port: 0, hmac: { secrets: [SECRET] } });
  const instance = await host.runtime.workflow('QUICK').create({ id: 'remote-1', params: { n: 2 } });
  await until(async () => ((await instance.status()).status === 'complete' ? true : undefined), 'remote-1 to complete');
}, 60_000);

afterAll(async () => {
  for (const child of devs) if (child.exitCode === null) child.kill('SIGINT');
  await served?.close();
  await host.stop();
});

describe('cairn dev --url', () => {
  it('forwards the explorer API to the host, signed: instance lists and details come from the deployed host', async () => {
    const url = await dev({ CAIRN_HMAC_SECRET: SECRET });
    const listed = (await (await fetch(`${url}/cdn-cgi/local/explorer/api/workflows/QUICK/instances`)).json()) as any;
    expect(listed.success).toBe(true);
    expect(listed.result.map((row: { id: string }) => row.id)).toEqual(['remote-1']);
    const details = (await (await fetch(`${url}/cdn-cgi/local/explorer/api/workflows/QUICK/instances/remote-1`)).json()) as any;
    expect(details.result).toMatchObject({ status: 'complete', output: { doubled: 4 }, steps: [expect.objectContaining({ name: 'double-1', success: true })] });
    // A control call goes through too (signed with its body).
    const created = (await (
      await fetch(`${url}/cdn-cgi/local/explorer/api/workflows/QUICK/instances`, {
        method: 'POST',
        body: JSON.stringify({ id: 'remote-2' }),
        headers: { 'content-type': 'application/json' },
      })
    ).json()) as any;
    expect(created.result).toEqual({ id: 'remote-2' });
    expect((await fetch(`${url}/`)).headers.get('content-type')).toContain('text/html');
  });

  it('a wrong secret is refused by the host, and so is no secret', async () => {
    const tries: Array<Record<string, string>> = [{ CAIRN_HMAC_SECRET: 'the-wrong-secret-but-also-long-enough-000000' }, {}];
    for (const env of tries) {
      const url = await dev(env);
      const answer = await fetch(`${url}/cdn-cgi/local/explorer/api/workflows/QUICK/instances`);
      expect(answer.status).toBe(401);
    }
  });
});

describe('cairn instances … --url', () => {
  const remote = (args: string[], env: Record<string, string> = { CAIRN_HMAC_SECRET: SECRET }) =>
    cairn([...args, '--url', served.url], { cwd: CLI_DIR, env: { CAIRN_HMAC_SECRET: '', CAIRN_TOKEN: '', ...env } });

  it("lists and describes the host's instances, with no config and no store", async () => {
    const listed = await remote(['instances', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^WORKFLOW\s+ID\s+STATUS\s+CREATED$/);
    expect(listed.stdout).toMatch(/^QUICK\s+remote-1\s+complete\s/m);
    const described = await remote(['instances', 'describe', 'QUICK', 'remote-1']);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/^status\s+complete$/m);
    expect(described.stdout).toMatch(/^output\s+\{"doubled":4\}$/m);
    expect(described.stdout).toMatch(/^double-1\s+step\s+completed\s+1\s/m);
    const asJson = JSON.parse((await remote(['instances', 'describe', 'QUICK', 'remote-1', '--json'])).stdout);
    expect(asJson).toMatchObject({ workflow: 'QUICK', id: 'remote-1', status: 'complete', output: { doubled: 4 } });
  });

  it("creates, terminates and deletes on the host; refusals and a missing instance exit 1 with the host's words", async () => {
    const created = await remote(['instances', 'create', 'QUICK', '--id', 'remote-3', '--params', '{"n":5}']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^Created QUICK\/remote-3; status: \w+\n$/);
    await until(
      async () =>
        (
          await host.runtime
            .workflow('QUICK')
            .get('remote-3')
            .then((i) => i.status())
        ).status === 'complete'
          ? true
          : undefined,
      'remote-3',
    );
    const refused = await remote(['instances', 'terminate', 'QUICK', 'remote-3']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Cannot terminate');
    expect((await remote(['instances', 'delete', 'QUICK', 'remote-3'])).stdout).toBe('Deleted QUICK/remote-3\n');
    const missing = await remote(['instances', 'describe', 'QUICK', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Workflow instance 'nope' not found.");
  });

  it('without the secret the host refuses (exit 1); --url does not apply to workflows list or create --wait (exit 2)', async () => {
    const anonymous = await remote(['instances', 'list'], {});
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('HTTP 401');
    expect((await remote(['workflows', 'list'])).code).toBe(2);
    expect((await remote(['instances', 'create', 'QUICK', '--wait'])).code).toBe(2);
  });
});
