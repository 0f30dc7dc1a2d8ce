// serve(): on the shutdown signal the server stops taking work, lets the replay in flight finish
// recording, then closes the runtime.

import { describe, expect, it } from 'vitest';
import { createMemoryStore, createRuntime, WorkflowEntrypoint, type WakeRequest, type WorkflowStep } from '@cairn/core';
import { createCloudRunHandler, serve, signRequest } from '@cairn/host-cloud-run';
import { HMAC_SECRET } from './harness.js';

class Slow extends WorkflowEntrypoint {
  async run(_event: unknown, step: WorkflowStep) {
    const first = await step.do('slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      return 'recorded';
    });
    return first;
  }
}

describe('serve() and graceful shutdown', () => {
  it('finishes the replay in flight, refuses new work, closes the runtime', async () => {
    const store = createMemoryStore();
    const wakes: WakeRequest[] = [];
    const runtime = createRuntime({ store, scheduler: { name: 'recording', schedule: async (wake) => void wakes.push(wake) }, workflows: { SLOW: Slow } });
    let closed = false;
    const close = runtime.close.bind(runtime);
    const handler = createCloudRunHandler({
      runtime: {
        ...runtime,
        close: async () => {
          await close();
          closed = true;
        },
      },
      auth: { hmac: { secrets: [HMAC_SECRET] } },
      requestTimeoutMs: 30_000,
    });
    const logs: string[] = [];
    const served = await serve({ handler, port: 0, host: '127.0.0.1', signals: ['SIGUSR2'], exit: false, log: (m) => logs.push(m) });
    const base = `http://127.0.0.1:${served.port}`;
    const post = (path: string, body: unknown) => {
      const text = JSON.stringify(body);
      return fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signRequest({ secret: HMAC_SECRET, method: 'POST', url: path, body: text }) },
        body: text,
      });
    };

    await runtime.workflow('SLOW').create({ id: 's1' });
    const inFlight = post('/_cairn/wake', { kind: 'cairn.wake', workflowName: 'SLOW', instanceId: 's1', wakeSeq: 0, wakeAt: Date.now() });
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.kill(process.pid, 'SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 50));

    // New work is refused: the listener is closed (or, on a kept-alive connection, 503).
    const late = await post('/workflows/SLOW/instances', { id: 's2' }).then(
      (r) => r.status,
      () => 'refused',
    );
    expect(['refused', 503]).toContain(late);

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).outcome).toBe('complete');
    await served.close();
    expect(closed).toBe(true);
    expect(handler.draining).toBe(true);
    const journal = (await store.loadJournal({ workflowName: 'SLOW', instanceId: 's1' }))!;
    expect(journal.instance.status).toBe('complete');
    expect(journal.steps.find((s) => s.id === 'do:slow-1')).toMatchObject({ state: 'completed' });
    expect(await store.getInstance({ workflowName: 'SLOW', instanceId: 's2' })).toBeNull();
    expect(logs.some((m) => m.includes('SIGUSR2'))).toBe(true);
  });
});
