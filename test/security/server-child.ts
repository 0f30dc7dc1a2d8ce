// A Node host serving HTTP with request signatures, on a SQLite file shared with other such processes: the
// auth suite replays a captured request to another process and after a restart.
// Usage: node server-child.mjs <dbPath> <secret>; prints the URL it serves on its first line.

import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createNodeHost, serveHost } from '@cairn/host-node';
import { createSqliteStore } from '@cairn/store-sqlite';

const [dbPath, secret] = process.argv.slice(2);
if (!dbPath || !secret) throw new Error('usage: server-child.mjs <dbPath> <secret>');

class Parked extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.waitForEvent('approval', { type: 'approval', timeout: '1 day' });
  }
}

const host = createNodeHost({ store: createSqliteStore({ path: dbPath }), workflows: { PARKED: Parked }, onError: () => undefined });
await host.start();
const served = await serveHost(host, { port: 0, hmac: { secrets: [secret] } });
process.stdout.write(`${served.url}\n`);
