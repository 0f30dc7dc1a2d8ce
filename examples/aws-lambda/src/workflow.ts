// The order workflow: charge (retried), a cool-off sleep, a manager's approval, then two steps in parallel.

import { z } from 'zod';
import { NonRetryableError, WorkflowEntrypoint, type WorkflowEvent, type WorkflowSleepDuration, type WorkflowStep } from '@cairn/core';

export const OrderParamsSchema = z.object({
  orderId: z.string().min(1),
  amount: z.number().positive(),
  email: z.string().email(),
  /** How long to hold the order before asking for approval (Cloudflare duration or ms). */
  coolOff: z.union([z.string(), z.number()]).default('10 minutes'),
});
export type OrderParams = z.input<typeof OrderParamsSchema>;

/** The payment provider: a real one in production, a stand-in in tests. */
export interface PaymentGateway {
  charge(request: { orderId: string; amount: number; attempt: number }): Promise<{ paymentId: string }>;
  refund(paymentId: string): Promise<void>;
}

export interface OrderEnv {
  payments: PaymentGateway;
}

export interface Approval {
  approved: boolean;
  by: string;
}

export class OrderWorkflow extends WorkflowEntrypoint<OrderEnv, z.output<typeof OrderParamsSchema>> {
  async run(event: WorkflowEvent<z.output<typeof OrderParamsSchema>>, step: WorkflowStep) {
    const { orderId, amount, email, coolOff } = event.payload;

    const payment = await step.do('charge payment', { retries: { limit: 4, delay: 500, backoff: 'constant' }, timeout: '30 seconds' }, async (ctx) =>
      this.env.payments.charge({ orderId, amount, attempt: ctx.attempt }),
    );

    await step.sleep('cool-off', coolOff as WorkflowSleepDuration);

    const approval = await step.waitForEvent<Approval>('manager approval', { type: 'approval', timeout: '7 days' });
    if (!approval.payload.approved) {
      await step.do('refund', async () => this.env.payments.refund(payment.paymentId));
      return { orderId, status: 'rejected' as const, rejectedBy: approval.payload.by };
    }

    const [shipment, receipt] = await Promise.all([
      step.do('book shipment', async () => ({ trackingId: `trk-${orderId}` })),
      step.do('email receipt', async () => {
        if (!email.includes('@')) throw new NonRetryableError('invalid email');
        return { sentTo: email };
      }),
    ]);

    return {
      orderId,
      status: 'fulfilled' as const,
      paymentId: payment.paymentId,
      approvedBy: approval.payload.by,
      trackingId: shipment.trackingId,
      receipt,
    };
  }
}

/** A payment provider for the demo: declines the first `declines` attempts of every order, then accepts. */
export function demoPayments(declines = 1): PaymentGateway & { charges: Map<string, number> } {
  const charges = new Map<string, number>();
  return {
    charges,
    async charge({ orderId, attempt }) {
      charges.set(orderId, (charges.get(orderId) ?? 0) + 1);
      if (attempt <= declines) throw new Error(`card declined (attempt ${attempt})`);
      return { paymentId: `pay-${orderId}` };
    },
    async refund() {},
  };
}
