// The whole story against a dispatcher it starts (src/node.ts, on a fresh SQLite file): two tenants upload
// their code over REST and run it; acme edits its code while an instance sleeps; the old instance finishes on its
// pinned version, a new one runs the edit. `npm run demo -w examples/dynamic-tenants`.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cairn-tenants-'));
const server = spawn(process.execPath, [join(here, 'src/node.ts')], {
  env: { ...process.env, CAIRN_DB: join(dir, 'tenants.db'), PORT: '0' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((resolve) => createInterface({ input: server.stdout! }).once('line', resolve));
const say = (line: string) => console.log(`[demo] ${line}`);

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, { method, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}
const code = (file: string) => readFileSync(join(here, 'tenants', file), 'utf8');
async function finished(tenant: string, id: string) {
  for (;;) {
    const status = await call('GET', `/tenants/${tenant}/instances/${id}`);
    if (status.status === 'complete' || status.status === 'errored') return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

try {
  say(`dispatcher at ${url}`);
  say(`acme uploads its onboarding flow: ${JSON.stringify(await call('PUT', '/tenants/acme/code', code('acme-v1.js')))}`);
  say(`globex uploads its approval flow: ${JSON.stringify(await call('PUT', '/tenants/globex/code', code('globex.js')))}`);
  const first = await call('POST', '/tenants/acme/instances', { id: 'ada', params: { name: 'Ada', coolOffMs: 1500 } });
  await call('POST', '/tenants/globex/instances', { id: 'laptop', params: { item: 'laptop' } });
  say(`started acme/ada on ${String(first.version)} (it sleeps 1.5 s) and globex/laptop (it waits for a decision)`);
  say(`while ada sleeps, acme edits its flow: ${JSON.stringify(await call('PUT', '/tenants/acme/code', code('acme-v2.js')))}`);
  const second = await call('POST', '/tenants/acme/instances', { id: 'bob', params: { name: 'Bob', coolOffMs: 200 } });
  say(`started acme/bob on ${String(second.version)}`);
  await call('POST', '/tenants/globex/instances/laptop/events', { type: 'decision', payload: { approved: true } });
  say(`acme/ada finished on its pinned version: ${JSON.stringify((await finished('acme', 'ada')).output)}`);
  say(`acme/bob ran the edit: ${JSON.stringify((await finished('acme', 'bob')).output)}`);
  say(`globex/laptop: ${JSON.stringify((await finished('globex', 'laptop')).output)}`);
  const peek = await fetch(`${url}/tenants/globex/instances/ada`);
  say(`globex asking for acme's instance: ${peek.status} ${JSON.stringify(await peek.json())}`);
} finally {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
