// sendEvent's idempotency key (a Cairn addition) and the cap on buffered events.
import { describe, expect, it } from 'vitest';
import {
  CairnError,
  DEFAULT_MAX_BUFFERED_EVENTS,
  ValidationError,
  WorkflowEntrypoint,
  createHttpApi,
  type WorkflowEvent,
  type WorkflowStep,
} from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

const Approval = class extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    const first = await step.waitForEvent<{ n: number }>('first', { type: 'approval', timeout: '1 day' });
    const second = await step.waitForEvent<{ n: number }>('second', { type: 'approval', timeout: '1 day' });
    return [first.payload.n, second.payload.n];
  }
};

const Sleeper = class extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.sleep('nap', '1 day');
  }
};

describe('event idempotency keys', () => {
  it('the same id sent twice is stored once; each send without an id is a new event', async () => {
    const h = virtualRuntime({ A: Approval });
    const instance = await h.runtime.workflow('A').create({ id: 'a-1' });
    await instance.sendEvent({ type: 'approval', payload: { n: 1 }, id: 'pay-1' });
    await instance.sendEvent({ type: 'approval', payload: { n: 99 }, id: 'pay-1' });
    await instance.sendEvent({ type: 'approval', payload: { n: 2 } });
    expect(await h.until(instance)).toEqual({ status: 'complete', output: [1, 2] });
    const journal = await h.store.loadJournal({ workflowName: 'A', instanceId: 'a-1' });
    const waits = journal!.steps.filter((step) => step.kind === 'wait' && step.state === 'completed');
    expect(waits.map((step) => step.eventId)).toEqual(['k-pay-1', expect.not.stringMatching(/^k-/)]);
  });

  it('a resend of a keyed event after the instance finished reports success; a new event is refused', async () => {
    const h = virtualRuntime({ A: Approval });
    const instance = await h.runtime.workflow('A').create({ id: 'a-2' });
    await instance.sendEvent({ type: 'approval', payload: { n: 1 }, id: 'one' });
    await instance.sendEvent({ type: 'approval', payload: { n: 2 }, id: 'two' });
    await h.until(instance);
    await expect(instance.sendEvent({ type: 'approval', payload: { n: 2 }, id: 'two' })).resolves.toBeUndefined();
    await expect(instance.sendEvent({ type: 'approval', payload: { n: 3 }, id: 'three' })).rejects.toMatchObject({ code: 'instance_finished' });
    await expect(instance.sendEvent({ type: 'approval', payload: { n: 3 } })).rejects.toMatchObject({ code: 'instance_finished' });
  });

  it('an invalid id is a typed error naming it, and nothing is stored', async () => {
    const h = virtualRuntime({ S: Sleeper });
    const instance = await h.runtime.workflow('S').create({ id: 's-1' });
    for (const id of ['', 'x'.repeat(200), 'with space', 'a/b']) {
      const failure = await instance.sendEvent({ type: 'approval', id }).catch((error: unknown) => error);
      expect(failure, `id ${JSON.stringify(id)}`).toBeInstanceOf(ValidationError);
      expect(String(failure)).toContain('event id');
    }
    expect((await h.store.loadJournal({ workflowName: 'S', instanceId: 's-1' }))!.events).toEqual([]);
  });
});

describe('buffered events', () => {
  it(`at most maxBufferedEvents (default ${DEFAULT_MAX_BUFFERED_EVENTS}) wait unconsumed: beyond it sendEvent throws EventBufferFullError and stores nothing`, async () => {
    const h = virtualRuntime({ S: Sleeper }, { maxBufferedEvents: 3 });
    const instance = await h.runtime.workflow('S').create({ id: 's-2' });
    for (let i = 0; i < 3; i++) await instance.sendEvent({ type: 'note', payload: i, id: `n${i}` });
    const failure = await instance.sendEvent({ type: 'note', payload: 3 }).catch((error: unknown) => error);
    expect(CairnError.is(failure, 'too_many_events')).toBe(true);
    expect(failure).toMatchObject({ instanceId: 's-2', limit: 3 });
    // A resend of a held key still answers as the first send did.
    await expect(instance.sendEvent({ type: 'note', payload: 0, id: 'n0' })).resolves.toBeUndefined();
    expect((await h.store.loadJournal({ workflowName: 'S', instanceId: 's-2' }))!.events).toHaveLength(3);
  });

  it('consumed events free their place', async () => {
    const h = virtualRuntime({ A: Approval }, { maxBufferedEvents: 1 });
    const instance = await h.runtime.workflow('A').create({ id: 'a-3' });
    await instance.sendEvent({ type: 'approval', payload: { n: 1 } });
    await h.until(instance, 'waiting');
    await h.clock.advance(1);
    await instance.sendEvent({ type: 'approval', payload: { n: 2 } });
    expect(await h.until(instance)).toEqual({ status: 'complete', output: [1, 2] });
  });

  it('the REST API answers 429 with the typed body when the buffer is full', async () => {
    const h = virtualRuntime({ S: Sleeper }, { maxBufferedEvents: 1 });
    const api = createHttpApi({ runtime: h.runtime });
    await h.runtime.workflow('S').create({ id: 's-3' });
    const send = (body: unknown) =>
      api(
        new Request('http://cairn.test/workflows/S/instances/s-3/events', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      );
    expect((await send({ type: 'note', payload: 1 })).status).toBe(202);
    const full = await send({ type: 'note', payload: 2 });
    expect(full.status).toBe(429);
    expect(await full.json()).toMatchObject({ error: { code: 'too_many_events' } });
    // The same key again is stored once, and answered as the first send.
    expect((await send({ type: 'note', payload: 1, id: 'k1' })).status).toBe(429);
  });
});
