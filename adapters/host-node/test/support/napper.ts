// The workflows the held-wait tests run. Napper: a step, a sleep of `sleepMs`, a step that notes when it woke.
// Retrier: a step whose first attempt fails, retried after `sleepMs`; it returns the attempt that passed.

import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';

export class Napper extends WorkflowEntrypoint<Record<string, unknown>, { sleepMs: number }> {
  async run(event: WorkflowEvent<{ sleepMs: number }>, step: WorkflowStep) {
    const until = await step.do('plan', async () => Date.now() + event.payload.sleepMs);
    await step.sleepUntil('nap', until);
    const lateMs = await step.do('woke', async () => Date.now() - until);
    return { lateMs, pid: process.pid };
  }
}

export class Retrier extends WorkflowEntrypoint<Record<string, unknown>, { sleepMs: number }> {
  async run(event: WorkflowEvent<{ sleepMs: number }>, step: WorkflowStep) {
    return step.do('flaky', { retries: { limit: 3, delay: event.payload.sleepMs, backoff: 'constant' } }, async (ctx) => {
      if (ctx.attempt === 1) throw new Error('the first attempt fails');
      return { attempt: ctx.attempt, pid: process.pid };
    });
  }
}
