// Places ORDERS orders (default 6) on the fleet, approves them and prints each result.
//   DATABASE_URL=postgres://... node src/client.ts

import { createRuntime } from '@cairn/core';
import { connect } from './connect.ts';
import { workflows } from './order-workflow.ts';
import { placeOrders } from './orders.ts';

const { pool, store, scheduler } = connect();
// No host here: the scheduler publishes each wake-up (NOTIFY) for the runners; this process runs nothing.
const runtime = createRuntime({ store, scheduler, workflows, env: { RUNNER: 'client' } });
try {
  for (const result of await placeOrders(runtime, Number(process.env.ORDERS ?? 6))) console.log(JSON.stringify(result));
} finally {
  await runtime.close();
  await pool.end();
}
