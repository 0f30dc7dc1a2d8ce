// One runner of the fleet: a Node host on the shared Postgres. Start as many as you like, on any machines:
// each due instance is claimed by one of them (FOR UPDATE SKIP LOCKED), wake-ups scheduled anywhere arrive by
// LISTEN/NOTIFY, and the due index, polled every second, brings back what a killed runner held.
//   DATABASE_URL=postgres://... RUNNER_NAME=runner-1 node src/runner.ts

import { createNodeHost } from '@cairn/host-node';
import { connect } from './connect.ts';
import { workflows } from './order-workflow.ts';

const name = process.env.RUNNER_NAME ?? `runner-${process.pid}`;
const { store, scheduler } = connect();
const host = createNodeHost({
  store,
  scheduler,
  workflows,
  env: { RUNNER: name },
  // NOTIFY delivers at once; the poll is the safety net (a runner that died, a notification missed).
  pollIntervalMs: 1_000,
  // Unique per process (a restarted runner is another owner); the name shows in the instances' leases.
  owner: `${name}/${process.pid}`,
  closeStore: true,
});
await host.start();
console.log(`${name} ready (pid ${process.pid})`);
// On SIGTERM or SIGINT the host stops (running replays record and suspend, the store and the scheduler's LISTEN
// close), then the process exits with the signal.
