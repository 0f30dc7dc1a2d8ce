import { describe, expect, it } from 'vitest';
import { createMemoryStore, createRuntime, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';

class Hello extends WorkflowEntrypoint<Record<string, unknown>, { name: string }> {
  async run(event: WorkflowEvent<{ name: string }>, step: WorkflowStep) {
    const a = await step.do('greet', async () => `hello ${event.payload.name}`);
    await step.sleep('nap', 10);
    const [b, c] = await Promise.all([step.do('x', async () => 1), step.do('y', async () => new Map([[1, 2n]]))]);
    const ev = await step.waitForEvent<{ ok: boolean }>('approve', { type: 'approval', timeout: '1 hour' });
    return { a, b, c, ev: ev.payload };
  }
}

describe('smoke', () => {
  it('runs a workflow', async () => {
    const runtime = createRuntime({ store: createMemoryStore(), workflows: { HELLO: Hello } });
    const instance = await runtime.workflow('HELLO').create({ id: 'one', params: { name: 'cairn' } });
    await new Promise((r) => setTimeout(r, 100));
    expect((await instance.status()).status).toBe('waiting');
    await instance.sendEvent({ type: 'approval', payload: { ok: true } });
    await new Promise((r) => setTimeout(r, 100));
    await runtime.idle();
    const status = await instance.status();
    expect(status).toEqual({ status: 'complete', output: { a: 'hello cairn', b: 1, c: new Map([[1, 2n]]), ev: { ok: true } } });
    await runtime.close();
  });
});
