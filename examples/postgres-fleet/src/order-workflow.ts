// The order workflow: a payment step that fails twice before it succeeds (retried), a cooling-off sleep, a
// manager's approval (waitForEvent), then invoicing and shipping in parallel. `shippedBy` names the runner process
// that shipped it: on a fleet, any of them.

import { NonRetryableError, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';

export interface OrderEnv {
  /** This runner's name (RUNNER_NAME). */
  RUNNER: string;
}

export interface OrderParams {
  orderId: string;
  amountCents: number;
  /** How long to cool off before asking for approval, in ms. @default 2000 */
  coolOffMs?: number;
}

export interface OrderResult {
  orderId: string;
  chargeId: string;
  paymentAttempts: number;
  approvedBy: string;
  invoice: string;
  trackingNumber: string;
  shippedBy: string;
}

export class OrderWorkflow extends WorkflowEntrypoint<OrderEnv, OrderParams> {
  async run(event: WorkflowEvent<OrderParams>, step: WorkflowStep): Promise<OrderResult> {
    const { orderId, amountCents } = event.payload;
    const payment = await step.do('charge payment', { retries: { limit: 4, delay: 200, backoff: 'constant' }, timeout: '10 seconds' }, async (ctx) => {
      if (amountCents <= 0) throw new NonRetryableError(`Invalid amount ${amountCents}`);
      // A flaky payment gateway: the first two attempts time out.
      if (ctx.attempt < 3) throw new Error(`payment gateway timeout (attempt ${ctx.attempt})`);
      return { chargeId: `ch_${orderId}`, attempts: ctx.attempt };
    });

    await step.sleep('cool-off', event.payload.coolOffMs ?? 2000);

    const approval = await step.waitForEvent<{ approvedBy: string }>('manager approval', { type: 'approval', timeout: '1 day' });

    const [invoice, shipment] = await Promise.all([
      step.do('issue invoice', async () => `inv_${orderId}_${amountCents}`),
      step.do('ship order', async () => ({ trackingNumber: `trk_${orderId}`, by: this.env.RUNNER })),
    ]);

    return {
      orderId,
      chargeId: payment.chargeId,
      paymentAttempts: payment.attempts,
      approvedBy: approval.payload.approvedBy,
      invoice,
      trackingNumber: shipment.trackingNumber,
      shippedBy: shipment.by,
    };
  }
}

export const workflows = { ORDER: OrderWorkflow };
