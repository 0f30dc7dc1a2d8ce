// `npm run kill-demo`: a process running an order is killed (SIGKILL) in the middle of a step; a new
// process takes the instance over when the dead one's lease expires, replays the journal (recorded
// steps are not run again) and retries the interrupted step.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { createNodeHost } from '@cairn/host-node';
import { createSqliteStore } from '@cairn/store-sqlite';
import { narrationHooks } from './narrate.ts';
import { OrderWorkflow } from './workflow.ts';

const dbPath = fileURLToPath(new URL('../.cairn/kill-demo.db', import.meta.url));
const instanceId = 'order-7';
const started = Date.now();
const say = (who: string, line: string) => console.log(`[+${((Date.now() - started) / 1000).toFixed(2)}s] ${who} ${line}`);
for (const suffix of ['', '-wal', '-shm']) rmSync(`${dbPath}${suffix}`, { force: true });
mkdirSync(fileURLToPath(new URL('../.cairn/', import.meta.url)), { recursive: true });

console.log('Cairn kill demo: process 1 runs an order and is killed mid-step; process 2 recovers it.\n');
const worker = spawn(process.execPath, [fileURLToPath(new URL('./kill-worker.ts', import.meta.url)), dbPath, instanceId], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((resolve, reject) => {
  let buffer = '';
  worker.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      say('[process 1]', line);
      if (line.includes('reserving stock')) resolve();
    }
  });
  worker.once('exit', (code) => reject(new Error(`process 1 exited early (${code})`)));
});
await delay(500);
worker.kill('SIGKILL');
say('[demo]     ', `killed process 1 (pid ${worker.pid}) with SIGKILL while "reserve stock" was running`);

const store = createSqliteStore({ path: dbPath });
const runner = createNodeHost({
  store,
  hooks: narrationHooks((line) => say('[process 2]', line)),
  workflows: { ORDER: OrderWorkflow },
  env: { log: (line: string) => say('[process 2]', `  ${line}`) },
  leaseMs: 2_000,
  handleSignals: false,
});
say('[process 2]', 'started a new runner on the same database; it takes over once the dead lease expires');
await runner.start();
const instance = await runner.runtime.workflow('ORDER').get(instanceId);
let status = await instance.status();
for (const end = Date.now() + 60_000; !['complete', 'errored', 'terminated'].includes(status.status); status = await instance.status()) {
  if (Date.now() > end) throw new Error('timed out waiting for the recovered instance');
  await delay(50);
}
const record = await runner.runtime.store.getInstance({ workflowName: 'ORDER', instanceId });
await runner.stop();
say('[process 2]', `instance ${status.status}; recoveries: ${record?.recoveries ?? 0}`);
console.log('\noutput:', JSON.stringify(status.output, null, 2));
process.exit(status.status === 'complete' ? 0 : 1);
