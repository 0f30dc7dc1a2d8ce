// The migration test's worker process: opens a store on a (version-1) database file, as a separate process
// would, then writes and reads. Prints `opening` just before opening, then one JSON line: the record it
// wrote, and what it read back of it and of the fixture's old row.
// Usage: node migration-child.mjs <dbPath> <instanceId>

import { createSqliteStore } from '@cairn/store-sqlite';
import { newInstanceRecord } from '@cairn/core';

const [dbPath, instanceId] = process.argv.slice(2);
if (!dbPath || !instanceId) throw new Error('usage: migration-child.mjs <dbPath> <instanceId>');

process.stdout.write('opening\n');
// Blocks (synchronously) while another process holds the write lock; the parent relies on that.
const store = createSqliteStore({ path: dbPath, busyTimeoutMs: 20_000 });
const instance = newInstanceRecord({
  workflowName: 'WF',
  instanceId,
  params: '{"json":{}}',
  createdAt: 2_000,
  successRetentionMs: 60_000,
  errorRetentionMs: 0,
});
await store.createInstance({ instance });
const mine = await store.getInstance(instance);
const old = await store.getInstance({ workflowName: 'WF', instanceId: 'old' });
await store.close();
process.stdout.write(`${JSON.stringify({ written: instance, mine, old })}\n`);
