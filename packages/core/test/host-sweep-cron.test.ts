// The hosts' sweeper endpoint (core's host front, served by Cloud Run, Lambda URLs and the Node host) fires the
// cron schedules that came due while the service was scaled to zero.
import { describe, expect, it } from 'vitest';
import { createHostHttp, createMemoryStore, createRuntime, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';

class Tick extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    return step.do('note', async () => event.schedule?.cron);
  }
}

describe('the host sweep endpoint and cron schedules', () => {
  it('creates the missed fire times, then replays them as due instances', async () => {
    const store = createMemoryStore();
    const runtime = createRuntime({
      store,
      // A remote scheduler (Cloud Tasks) would deliver these; here the sweep itself replays what is due.
      scheduler: { name: 'none', schedule: async () => {} },
      workflows: { TICK: { workflow: Tick, schedules: ['*/2 * * * *'] } },
      cronTimers: false,
    });
    const fail = (error: unknown) => {
      throw error;
    };
    const host = createHostHttp({
      runtime,
      authenticate: null,
      budgetOf: (at) => ({ endsAt: at + 10_000, safetyMarginMs: 0 }),
      onError: fail,
      onAuthFailure: fail,
    });
    const response = await host(new Request('http://127.0.0.1/_cairn/sweep', { method: 'POST' }));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { due: number; outcomes: Record<string, number> };
    expect(body.due).toBe(5); // every second minute in the last ten
    expect(body.outcomes).toEqual({ complete: 5 });
    const outputs = await store.listInstances({ workflowName: 'TICK', status: 'complete' });
    expect(outputs.instances).toHaveLength(5);
    await runtime.close();
  });
});
