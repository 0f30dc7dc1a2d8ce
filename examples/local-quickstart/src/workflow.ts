// The order workflow: Cloudflare Workflows' API, unchanged but for the import line.
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';

export interface OrderParams {
  orderId: string;
  amount: number;
  /** How long reserving stock takes (the kill demo makes it slow enough to kill mid-step). @default 300 */
  stockMs?: number;
}

export interface Approval {
  approver: string;
}

export interface OrderEnv {
  /** Where step callbacks say what they do (the demo prints it). */
  log?(line: string): void;
}

export class OrderWorkflow extends WorkflowEntrypoint<OrderEnv, OrderParams> {
  async run(event: WorkflowEvent<OrderParams>, step: WorkflowStep) {
    const { orderId, amount } = event.payload;

    // A flaky payment provider: the first two attempts fail, the retry policy tries again after 250ms.
    const payment = await step.do('charge payment', { retries: { limit: 3, delay: 250, backoff: 'constant' }, timeout: '10 seconds' }, async (ctx) => {
      this.env.log?.(`charging ${amount} EUR for ${orderId} (attempt ${ctx.attempt})`);
      if (ctx.attempt <= 2) throw new Error('payment provider timed out');
      return { paymentId: `pay_${orderId}`, amount };
    });

    // Longer than a second: the instance suspends (no process holds it) and the runner wakes it from disk.
    await step.sleep('fraud-check cool-off', '3 seconds');

    // Blocks until someone calls instance.sendEvent({ type: 'order-approved' }); events sent earlier wait in its inbox.
    const approval = await step.waitForEvent<Approval>('manager approval', { type: 'order-approved', timeout: '5 minutes' });

    // Independent steps run in parallel; each is journaled on its own.
    const stockMs = event.payload.stockMs ?? 300;
    const [reservation, email] = await Promise.all([
      step.do('reserve stock', { retries: { limit: 2, delay: 200, backoff: 'constant' } }, async () => {
        this.env.log?.(`reserving stock for ${orderId}...`);
        await new Promise((resolve) => setTimeout(resolve, stockMs));
        return { reservationId: `res_${orderId}` };
      }),
      step.do('send confirmation email', async () => {
        this.env.log?.(`emailing the customer about ${orderId}...`);
        await new Promise((resolve) => setTimeout(resolve, 150));
        return { messageId: `msg_${orderId}` };
      }),
    ]);

    return { orderId, paymentId: payment.paymentId, approvedBy: approval.payload.approver, ...reservation, ...email };
  }
}
