// The fleet on this machine, against the PostgreSQL the tests use (Debian's, started on a private port and data
// directory, stopped at the end): migrate, three runner processes, six orders placed and approved by a client,
// and one runner killed with SIGKILL while the orders cool off: the other two take its instances over.
//
//   npm run build   (at the repository root: the @cairn packages)
//   node examples/postgres-fleet/scripts/local.ts

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRuntime } from '@cairn/core';
import { startLocalPostgres } from '../../../test/emulators/postgres.ts';
import { connect } from '../src/connect.ts';
import { workflows } from '../src/order-workflow.ts';
import { placeOrders } from '../src/orders.ts';

const RUNNERS = ['runner-1', 'runner-2', 'runner-3'];
const runnerScript = fileURLToPath(new URL('../src/runner.ts', import.meta.url));
const server = await startLocalPostgres();
const runners = new Map<string, ChildProcess>();
const { pool, store, scheduler } = connect(server.url);

function startRunner(name: string): Promise<void> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', runnerScript], {
    env: { ...process.env, DATABASE_URL: server.url, RUNNER_NAME: name },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  runners.set(name, child);
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      console.log(`  | ${line}`);
      if (line.includes('ready')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before it was ready`)));
  });
}

function stopRunner(name: string, signal: NodeJS.Signals): Promise<void> {
  const child = runners.get(name)!;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

try {
  const migrated = await store.migrate();
  console.log(`schema "${store.schema}" migrated from ${migrated.from ?? 'nothing'} to version ${migrated.to}`);
  await Promise.all(RUNNERS.map(startRunner));
  const runtime = createRuntime({ store, scheduler, workflows, env: { RUNNER: 'client' } });
  const placing = placeOrders(runtime, 6, { coolOffMs: 3_000 });
  // The orders are paid and cooling off, held by the runners that took them: kill the one holding the most.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const held = await pool.query<{ owner: string; n: number }>(
    `SELECT split_part(lease_owner, '/', 1) AS owner, count(*)::int AS n FROM ${store.schema}.instances
     WHERE lease_owner IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`,
  );
  const victim = held.rows[0]?.owner ?? 'runner-2';
  await stopRunner(victim, 'SIGKILL');
  console.log(`${victim} killed (SIGKILL) while its ${held.rows[0]?.n ?? 0} orders cooled off`);
  const results = await placing;
  for (const result of results) console.log(JSON.stringify(result));
  const shippers = new Set(results.map((result) => result.shippedBy));
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${store.schema}.instances WHERE recoveries > 0`);
  console.log(`${results.length}/6 orders complete, shipped by ${[...shippers].sort().join(', ')}; ${rows[0]!.n} taken over from ${victim}`);
  await runtime.close();
} finally {
  await Promise.all(RUNNERS.map((name) => stopRunner(name, 'SIGTERM')));
  await pool.end();
  await server.stop();
}
