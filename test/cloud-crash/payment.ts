// The workflow the DynamoDB crash test runs: steps with side effects (logged, one row per execution), a step
// that fails its first attempts, a sleep, and a wait for an approval event sent by a client that retries.

import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';

export interface PaymentEnv {
  /** Logs one execution of a step body (outside the journal: what really ran). */
  effect(instanceId: string, step: string, attempt: number): void;
}

export interface PaymentParams {
  n: number;
}

export const WORKFLOW = 'PAYMENT';

/** What instance `n` must end with: computed by the steps, with the approval's amount. */
export function expectedOutput(n: number): { n: number; charged: number } {
  return { n, charged: (2 * n + 1) * 10 + approvalAmount(n) };
}

export function approvalAmount(n: number): number {
  return 1000 + n;
}

export class Payment extends WorkflowEntrypoint<PaymentEnv, PaymentParams> {
  async run(event: WorkflowEvent<PaymentParams>, step: WorkflowStep) {
    const id = event.instanceId;
    const { n } = event.payload;
    const reserved = await step.do('reserve', async (ctx) => {
      this.env.effect(id, 'reserve', ctx.attempt);
      return 2 * n;
    });
    const checked = await step.do('flaky', { retries: { limit: 8, delay: 50, backoff: 'constant' } }, async (ctx) => {
      this.env.effect(id, 'flaky', ctx.attempt);
      if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} fails on purpose`);
      return reserved + 1;
    });
    await step.sleep('settle', 200 + (n % 5) * 150);
    const approval = await step.waitForEvent<{ amount: number }>('approval', { type: 'approval', timeout: '1 hour' });
    const charged = await step.do('charge', async (ctx) => {
      this.env.effect(id, 'charge', ctx.attempt);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 30));
      return checked * 10 + approval.payload.amount;
    });
    return { n, charged };
  }
}
