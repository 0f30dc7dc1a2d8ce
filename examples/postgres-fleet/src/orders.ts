// The client side: places orders and approves them from a process that runs no workflow (its runtime only writes
// the instances and publishes their wake-ups), then waits for every order to finish.

import type { Runtime } from '@cairn/core';
import type { OrderResult } from './order-workflow.ts';

export async function placeOrders(runtime: Runtime, count: number, options: { coolOffMs?: number; timeoutMs?: number } = {}): Promise<OrderResult[]> {
  const orders = runtime.workflow('ORDER');
  const stamp = Date.now();
  const ids = Array.from({ length: count }, (_, i) => `order-${stamp}-${i + 1}`);
  for (const [i, id] of ids.entries()) {
    await orders.create({ id, params: { orderId: `A-${1001 + i}`, amountCents: 1000 + 100 * i, coolOffMs: options.coolOffMs ?? 2_000 } });
  }
  // The approvals may come before the workflows wait for them: events wait in the instance's inbox.
  for (const id of ids) await (await orders.get(id)).sendEvent({ type: 'approval', payload: { approvedBy: 'maria' }, id: `approval-${id}` });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const results: OrderResult[] = [];
  for (const id of ids) {
    for (;;) {
      const status = await (await orders.get(id)).status();
      if (status.status === 'complete') {
        results.push(status.output as OrderResult);
        break;
      }
      if (status.status === 'errored' || status.status === 'terminated') throw new Error(`${id} ${status.status}: ${JSON.stringify(status.error)}`);
      if (Date.now() > deadline) throw new Error(`${id} still ${status.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return results;
}
