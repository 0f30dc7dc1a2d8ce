// The workflows every host runs in the conformance suite, counting what they execute so that a test can tell
// a duplicate delivery that ran nothing from one that ran a step again.

import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';

export interface Executions {
  counts: Map<string, number>;
  count(key: string): void;
  of(key: string): number;
}

export function createExecutions(): Executions {
  const counts = new Map<string, number>();
  return {
    counts,
    count: (key) => void counts.set(key, (counts.get(key) ?? 0) + 1),
    of: (key) => counts.get(key) ?? 0,
  };
}

type Env = { executions: Executions };

/** One step, then a day's sleep, then one more. */
class ConformanceSleeper extends WorkflowEntrypoint<Env, Record<string, never>> {
  async run(event: WorkflowEvent<Record<string, never>>, step: WorkflowStep) {
    const first = await step.do('first', async () => {
      this.env.executions.count(`${event.instanceId}:first`);
      return 1;
    });
    await step.sleep('a day', '1 day');
    return first + 1;
  }
}

/** One step, done. */
class ConformanceQuick extends WorkflowEntrypoint<Env, { n?: number }> {
  async run(event: WorkflowEvent<{ n?: number }>, step: WorkflowStep) {
    return step.do('only', async () => {
      this.env.executions.count(`${event.instanceId}:only`);
      return (event.payload.n ?? 0) + 1;
    });
  }
}

/** Steps that take a while each, so that a small budget ends with work left. */
class ConformanceLong extends WorkflowEntrypoint<Env, { steps: number; stepMs: number }> {
  async run(event: WorkflowEvent<{ steps: number; stepMs: number }>, step: WorkflowStep) {
    let total = 0;
    for (let i = 0; i < event.payload.steps; i++) {
      total += await step.do(`part ${i}`, async () => {
        this.env.executions.count(`${event.instanceId}:part ${i}`);
        await new Promise((resolve) => setTimeout(resolve, event.payload.stepMs));
        return 1;
      });
    }
    return total;
  }
}

export const CONFORMANCE_WORKFLOWS = { SLEEPER: ConformanceSleeper, QUICK: ConformanceQuick, LONG: ConformanceLong };
