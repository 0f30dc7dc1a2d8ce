import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createHttpApi,
  createMemoryStore,
  createRuntime,
  WakeMessageSchema,
  WorkflowEntrypoint,
  type Runtime,
  type WorkflowEvent,
  type WorkflowStep,
} from '@cairn/core';

class Approval extends WorkflowEntrypoint<Record<string, unknown>, { amount: number }> {
  async run(event: WorkflowEvent<{ amount: number }>, step: WorkflowStep) {
    const charged = await step.do('charge', async () => ({ amount: event.payload.amount, big: 10n ** 20n }));
    const approval = await step.waitForEvent<{ by: string }>('approval', { type: 'approved', timeout: '1 hour' });
    return { charged, by: approval.payload.by, seen: new Set(['a']) };
  }
}

class Boom extends WorkflowEntrypoint {
  async run() {
    throw new Error('secret internal detail');
  }
}

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

function setup(basePath?: string) {
  runtime = createRuntime({
    store: createMemoryStore(),
    workflows: { APPROVAL: { workflow: Approval, params: z.object({ amount: z.number() }) }, BOOM: Boom },
  });
  const errors: unknown[] = [];
  const api = createHttpApi({ runtime, basePath, onError: (error) => errors.push(error) });
  const call = async (method: string, path: string, body?: unknown, raw?: string) => {
    const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
    if (raw !== undefined) init.body = raw;
    else if (body !== undefined) init.body = JSON.stringify(body);
    const response = await api(new Request(`https://api.test${path}`, init));
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? (JSON.parse(text) as any) : undefined };
  };
  return { api, call, errors, runtime };
}

async function until(check: () => Promise<boolean>, ms = 5_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('createHttpApi', () => {
  it('creates, reports, signals and completes an instance', async () => {
    const { call } = setup();
    const created = await call('POST', '/workflows/APPROVAL/instances', { id: 'order-1', params: { amount: 5 } });
    expect(created.status).toBe(201);
    expect(created.json.id).toBe('order-1');
    expect(['queued', 'running', 'waiting']).toContain(created.json.status);

    await until(async () => (await call('GET', '/workflows/APPROVAL/instances/order-1')).json.status === 'waiting');
    const sent = await call('POST', '/workflows/APPROVAL/instances/order-1/events', { type: 'approved', payload: { by: 'ana' } });
    expect(sent.status).toBe(202);
    await until(async () => (await call('GET', '/workflows/APPROVAL/instances/order-1')).json.status === 'complete');
    const done = await call('GET', '/workflows/APPROVAL/instances/order-1');
    expect(done.status).toBe(200);
    // Values JSON cannot hold are mapped: bigint to a string, a Set to an array.
    expect(done.json).toEqual({ id: 'order-1', status: 'complete', output: { charged: { amount: 5, big: '100000000000000000000' }, by: 'ana', seen: ['a'] } });
  });

  it('creates a batch and generates ids', async () => {
    const { call } = setup();
    const batch = await call('POST', '/workflows/APPROVAL/instances/batch', [{ id: 'b-1', params: { amount: 1 } }, { params: { amount: 2 } }]);
    expect(batch.status).toBe(201);
    expect(batch.json.instances).toHaveLength(2);
    expect(batch.json.instances[0]).toEqual({ id: 'b-1' });
    expect(batch.json.instances[1].id).toMatch(/^[0-9a-f-]{36}$/);
    const fetched = await call('GET', `/workflows/APPROVAL/instances/${batch.json.instances[1].id}`);
    expect(fetched.status).toBe(200);
  });

  it('pauses, resumes, terminates and restarts', async () => {
    const { call } = setup();
    await call('POST', '/workflows/APPROVAL/instances', { id: 'ctl', params: { amount: 1 } });
    await until(async () => (await call('GET', '/workflows/APPROVAL/instances/ctl')).json.status === 'waiting');
    expect((await call('POST', '/workflows/APPROVAL/instances/ctl/pause')).status).toBe(202);
    expect((await call('GET', '/workflows/APPROVAL/instances/ctl')).json.status).toBe('paused');
    expect((await call('POST', '/workflows/APPROVAL/instances/ctl/resume', {})).status).toBe(202);
    await until(async () => (await call('GET', '/workflows/APPROVAL/instances/ctl')).json.status === 'waiting');
    expect((await call('POST', '/workflows/APPROVAL/instances/ctl/terminate')).status).toBe(202);
    expect((await call('GET', '/workflows/APPROVAL/instances/ctl')).json.status).toBe('terminated');
    const again = await call('POST', '/workflows/APPROVAL/instances/ctl/terminate');
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('instance_cannot_terminate');
    expect((await call('POST', '/workflows/APPROVAL/instances/ctl/restart', { from: { name: 'charge' } })).status).toBe(202);
    await until(async () => (await call('GET', '/workflows/APPROVAL/instances/ctl')).json.status === 'waiting');
    expect((await call('POST', '/workflows/APPROVAL/instances/ctl/terminate', { rollback: 'yes' })).status).toBe(400);
    expect((await call('POST', '/workflows/APPROVAL/instances/ctl/terminate', { rollback: true })).status).toBe(202);
    await until(async () => (await call('GET', '/workflows/APPROVAL/instances/ctl')).json.status === 'terminated');
    expect((await call('DELETE', '/workflows/APPROVAL/instances/ctl')).status).toBe(204);
    expect((await call('GET', '/workflows/APPROVAL/instances/ctl')).status).toBe(404);
  });

  it('maps errors to status codes without leaking internals', async () => {
    const { call, errors } = setup();
    const bad = await call('POST', '/workflows/APPROVAL/instances', { id: 'x', params: { amount: 'no' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'invalid_input', name: 'ValidationError' });
    expect((await call('POST', '/workflows/APPROVAL/instances', undefined, '{not json')).json.error.code).toBe('invalid_json');
    expect((await call('POST', '/workflows/APPROVAL/instances', { id: 'x', params: { amount: 1 }, extra: 1 })).status).toBe(400);
    expect((await call('POST', '/workflows/APPROVAL/instances', { id: 'has space' })).status).toBe(400);
    const badRetention = await call('POST', '/workflows/APPROVAL/instances', {
      id: 'r',
      params: { amount: 1 },
      retention: { successRetention: '1 fortnight' },
    });
    expect(badRetention.status).toBe(400);
    expect(badRetention.json.error.message).toContain('retention.successRetention');
    expect((await call('GET', '/workflows/APPROVAL/instances/%E0%A4%A')).status).toBe(400);
    expect((await call('POST', '/workflows/APPROVAL/instances/batch', { id: 'not-a-list' })).status).toBe(400);

    const missing = await call('GET', '/workflows/APPROVAL/instances/nope');
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatchObject({ code: 'instance_not_found', name: 'InstanceNotFoundError' });
    expect((await call('GET', '/workflows/NOPE/instances/x')).json.error.code).toBe('unknown_workflow');
    expect((await call('GET', '/elsewhere')).json.error.code).toBe('route_not_found');
    const method = await call('PUT', '/workflows/APPROVAL/instances/x');
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('GET, DELETE');
    expect((await call('DELETE', '/workflows/APPROVAL/instances/nope')).status).toBe(404);

    await call('POST', '/workflows/APPROVAL/instances', { id: 'dup', params: { amount: 1 } });
    const duplicate = await call('POST', '/workflows/APPROVAL/instances', { id: 'dup', params: { amount: 1 } });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json.error.code).toBe('instance_already_exists');

    const big = await call('POST', '/workflows/APPROVAL/instances/dup/events', { type: 'approved', payload: 'x'.repeat(1024 * 1024 + 10) });
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe('payload_too_large');
    const huge = await call('POST', '/workflows/APPROVAL/instances', undefined, 'x'.repeat(3 * 1024 * 1024));
    expect(huge.status).toBe(413);

    await call('POST', '/workflows/BOOM/instances', { id: 'boom' });
    await until(async () => (await call('GET', '/workflows/BOOM/instances/boom')).json.status === 'errored');
    const finished = await call('POST', '/workflows/BOOM/instances/boom/events', { type: 'late' });
    expect(finished.status).toBe(409);
    expect(finished.json.error.code).toBe('instance_finished');

    // A failure that is not the caller's: a 500 that says nothing of the cause; the cause goes to onError.
    const failing = createHttpApi({
      runtime: {
        workflow: () => {
          throw new Error('db password is hunter2');
        },
      },
      onError: (error) => errors.push(error),
    });
    const response = await failing(new Request('https://api.test/workflows/A/instances/x'));
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text).error.code).toBe('internal_error');
    expect(errors).toHaveLength(1);
  });

  it('serves under a base path', async () => {
    const { call } = setup('/api/');
    expect((await call('POST', '/api/workflows/APPROVAL/instances', { id: 'p', params: { amount: 1 } })).status).toBe(201);
    expect((await call('GET', '/api/workflows/APPROVAL/instances/p')).status).toBe(200);
    expect((await call('GET', '/workflows/APPROVAL/instances/p')).status).toBe(404);
    expect(() => createHttpApi({ runtime: {} as Runtime })).toThrow(/createHttpApi options/);
  });

  it('validates wake messages', () => {
    const wake = { kind: 'cairn.wake', workflowName: 'A', instanceId: 'i', wakeSeq: 3, wakeAt: 1 };
    expect(WakeMessageSchema.parse(wake)).toEqual(wake);
    expect(WakeMessageSchema.safeParse({ ...wake, wakeSeq: 1.5 }).success).toBe(false);
    expect(WakeMessageSchema.safeParse({ ...wake, kind: 'other' }).success).toBe(false);
  });
});
