// A Node host process on one SQLite file that creates one instance and holds its sleep (NAP) or retry delay
// (RETRY) in process; the parent test kills it (SIGKILL) during the wait.
// Usage: node held-child.mjs <dbPath> <sleepMs> [NAP|RETRY]

import { createNodeHost } from '@cairn/host-node';
import { createSqliteStore } from '@cairn/store-sqlite';
import { Napper, Retrier } from './napper.js';

const [dbPath, sleepMs, workflow = 'NAP'] = process.argv.slice(2);
if (!dbPath || !sleepMs) throw new Error('usage: held-child.mjs <dbPath> <sleepMs> [NAP|RETRY]');

const host = createNodeHost({ store: createSqliteStore({ path: dbPath }), workflows: { NAP: Napper, RETRY: Retrier }, handleSignals: false });
await host.start();
await host.runtime.workflow(workflow as 'NAP').create({ id: `${workflow.toLowerCase()}-1`, params: { sleepMs: Number(sleepMs) } });
process.stdout.write('created\n');
// Runs until killed.
setInterval(() => undefined, 1_000);
