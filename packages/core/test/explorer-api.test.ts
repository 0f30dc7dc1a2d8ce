// Cloudflare's local explorer API over a runtime (memory store, virtual clock): the envelope and error codes,
// workflow and instance lists with counts and paging, instance details in Cloudflare's shape (attempts, config,
// sleeps, waits), and the status, event, create and delete routes.
import { describe, expect, it } from 'vitest';
import { createLocalExplorerApi, explorerWorkflowsOf, trackRunningAttempts, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

let declines = 0;
class Order extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<{ orderId: string }>, step: WorkflowStep) {
    const paid = await step.do('charge', { retries: { limit: 3, delay: 100, backoff: 'constant' } }, async () => {
      if (declines-- > 0) throw new Error('card declined, retry');
      return { paymentId: `p-${event.payload.orderId}` };
    });
    await step.sleep('cool off', 200);
    const approval = await step.waitForEvent<{ approver: string }>('approval', { type: 'approval', timeout: '1 hour' });
    return { ...paid, approvedBy: approval.payload.approver };
  }
}

const workflows = { ORDER: { workflow: Order, name: 'order' } };

function setup() {
  const h = virtualRuntime(workflows);
  const api = createLocalExplorerApi({ runtime: h.runtime, workflows: explorerWorkflowsOf(h.runtime.registered, 'shop') });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await api(
      new Request(`http://127.0.0.1:8787/cdn-cgi/local/explorer/api${path}`, {
        method,
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      }),
    );
    return { status: response!.status, json: (await response!.json()) as any };
  };
  return { h, api, call };
}

describe("Cloudflare's local explorer API", () => {
  it('lists workflows by name, class and script, and answers other paths with null', async () => {
    const { api, call } = setup();
    expect(await call('GET', '/workflows')).toEqual({
      status: 200,
      json: { success: true, errors: [], messages: [], result: [{ name: 'order', class_name: 'Order', script_name: 'shop' }], result_info: { count: 1 } },
    });
    expect(await api(new Request('http://127.0.0.1:8787/elsewhere'))).toBeNull();
    const unknown = await call('GET', '/workflows/nope');
    expect(unknown).toEqual({
      status: 404,
      json: { success: false, errors: [{ code: 10501, message: "Workflow 'nope' not found." }], messages: [], result: null },
    });
    expect((await call('GET', '/nothing')).status).toBe(404);
  });

  it('creates instances, lists them newest first with paging, a status filter and counts', async () => {
    const { h, call } = setup();
    for (let i = 1; i <= 3; i++) {
      expect((await call('POST', '/workflows/order/instances', { id: `o-${i}`, params: { orderId: `o${i}` } })).json.result).toEqual({ id: `o-${i}` });
      await h.clock.advance(10);
    }
    expect((await call('POST', '/workflows/ORDER/instances', { id: 'o-1' })).status).toBe(409);
    await h.runtime
      .workflow('ORDER')
      .get('o-1')
      .then((instance) => instance.terminate());
    const page = await call('GET', '/workflows/order/instances?page=1&per_page=2');
    expect(page.json.result.map((instance: { id: string }) => instance.id)).toEqual(['o-3', 'o-2']);
    expect(page.json.result[0]).toEqual({ id: 'o-3', status: expect.any(String), created_on: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(page.json.result_info).toMatchObject({ page: 1, per_page: 2, total_count: 3, total_pages: 2 });
    expect((await call('GET', '/workflows/order/instances?page=2&per_page=2')).json.result.map((i: { id: string }) => i.id)).toEqual(['o-1']);
    const terminated = await call('GET', '/workflows/order/instances?status=terminated');
    expect(terminated.json.result.map((i: { id: string }) => i.id)).toEqual(['o-1']);
    expect(terminated.json.result_info).toMatchObject({ total_count: 1, total_pages: 1, status_counts: expect.objectContaining({ terminated: 1 }) });
    const details = await call('GET', '/workflows/order');
    expect(details.json.result.instances).toMatchObject({ terminated: 1, complete: 0, errored: 0, waitingForPause: 0 });
    expect((await call('GET', '/workflows/order/instances?per_page=0')).status).toBe(400);
  });

  it("describes an instance in Cloudflare's shape: retried attempts with config, the sleep, the wait, then the output", async () => {
    const { h, call } = setup();
    declines = 2;
    await call('POST', '/workflows/order/instances', { id: 'o-1', params: { orderId: 'o1' } });
    const instance = await h.runtime.workflow('ORDER').get('o-1');
    await h.until(instance, 'waiting');
    await h.clock.advance(300);
    await h.until(instance, 'waiting');
    let details = (await call('GET', '/workflows/order/instances/o-1')).json.result;
    expect(details).toMatchObject({ status: 'waiting', params: { orderId: 'o1' }, end: null, output: null, error: null, step_count: 3 });
    expect(details.steps.map((s: { name: string; type: string }) => `${s.type} ${s.name}`)).toEqual([
      'step charge-1',
      'sleep cool off-1',
      'waitForEvent approval-1',
    ]);
    const charge = details.steps[0];
    expect(charge).toMatchObject({ success: true, output: { paymentId: 'p-o1' }, config: { retries: { limit: 3, delay: 100, backoff: 'constant' } } });
    expect(charge.attempts.map((a: { success: boolean; error: unknown }) => [a.success, a.error])).toEqual([
      [false, { name: 'Error', message: 'card declined, retry' }],
      [false, { name: 'Error', message: 'card declined, retry' }],
      [true, null],
    ]);
    // Each attempt keeps its own start, also one that failed at once: the gaps between them are the retry delays.
    const times = charge.attempts.map((a: { start: string | null; end: string }) => [Date.parse(a.start!), Date.parse(a.end)]);
    expect(times.every(([start]: number[]) => Number.isFinite(start))).toBe(true);
    expect([times[1][0] - times[0][1], times[2][0] - times[1][1]]).toEqual([100, 100]);
    expect(details.steps[1]).toMatchObject({ finished: true, error: null });
    expect(details.steps[2]).toMatchObject({ finished: false, end: null, output: null });

    expect((await call('POST', '/workflows/order/instances/o-1/events/approval', { approver: 'grace' })).json.result).toEqual({ success: true });
    await h.until(instance);
    details = (await call('GET', '/workflows/order/instances/o-1')).json.result;
    expect(details).toMatchObject({ status: 'complete', output: { paymentId: 'p-o1', approvedBy: 'grace' }, end: expect.any(String) });
    expect(details.steps[2]).toMatchObject({ finished: true, output: { type: 'approval', payload: { approver: 'grace' }, timestamp: expect.any(String) } });
    expect((await call('GET', '/workflows/order/instances/nope')).json.errors).toEqual([{ code: 10501, message: "Workflow instance 'nope' not found." }]);
  });

  it('changes status with `action` (wrangler) or `status`, refuses rollback but on terminate, and deletes', async () => {
    const { h, call } = setup();
    await call('POST', '/workflows/order/instances', { id: 'o-1', params: { orderId: 'o1' } });
    await h.until(await h.runtime.workflow('ORDER').get('o-1'), 'waiting');
    const paused = await call('PATCH', '/workflows/order/instances/o-1/status', { action: 'pause' });
    expect(paused.json.result).toMatchObject({ status: 'paused', timestamp: expect.any(String) });
    expect((await call('PATCH', '/workflows/order/instances/o-1/status', { status: 'resume' })).json.result.status).not.toBe('paused');
    expect((await call('PATCH', '/workflows/order/instances/o-1/status', { action: 'pause', rollback: true })).json.errors[0]).toEqual({
      code: 10001,
      message: "'rollback' is only valid when terminating.",
    });
    expect((await call('PATCH', '/workflows/order/instances/o-1/status', { action: 'explode' })).status).toBe(400);
    expect((await call('PATCH', '/workflows/order/instances/o-1/status', { action: 'terminate' })).json.result.status).toBe('terminated');
    const again = await call('PATCH', '/workflows/order/instances/o-1/status', { action: 'terminate' });
    expect(again.status).toBe(500);
    expect(again.json.errors[0].code).toBe(10001);
    expect(again.json.errors[0].message).toContain('instance.cannot_terminate');
    expect((await call('POST', '/workflows/order/instances/batch/delete', { instances: ['o-1', 'o-9'] })).json.result).toEqual({
      deleted: [{ id: 'o-1' }],
      errors: [{ id: 'o-9', code: 'instance_not_found', message: expect.any(String) }],
    });
    expect((await call('POST', '/workflows/order/instances/batch/delete', 'not json')).status).toBe(400);
  });

  it('shows the attempt running now (told by hooks: the journal records an attempt when it ends)', async () => {
    let finish!: (value: string) => void;
    const gate = new Promise<string>((resolve) => (finish = resolve));
    const running = trackRunningAttempts();
    const slow = {
      SLOW: class extends WorkflowEntrypoint {
        async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
          await step.do('first', async () => 1);
          return step.do('slow', async () => gate);
        }
      },
    };
    const h = virtualRuntime(slow, { hooks: running.hooks });
    const api = createLocalExplorerApi({ runtime: h.runtime, workflows: explorerWorkflowsOf(h.runtime.registered, 'shop'), runningAttempts: running.running });
    const details = async () => ((await (await api(new Request('http://x/cdn-cgi/local/explorer/api/workflows/SLOW/instances/s-1')))!.json()) as any).result;
    const instance = await h.runtime.workflow('SLOW').create({ id: 's-1' });
    await h.clock.runUntil(async () => running.running({ workflowName: 'SLOW', instanceId: 's-1' }).length > 0);
    const live = await details();
    expect(live.steps.map((s: { name: string; success: boolean | null }) => [s.name, s.success])).toEqual([
      ['first-1', true],
      ['slow-1', null],
    ]);
    expect(live.steps[1].attempts).toEqual([{ start: expect.any(String), end: null, success: null, error: null }]);
    finish('done');
    expect(await h.until(instance)).toEqual({ status: 'complete', output: 'done' });
    expect((await details()).steps[1].attempts).toEqual([expect.objectContaining({ success: true })]);
    expect(running.running({ workflowName: 'SLOW', instanceId: 's-1' })).toEqual([]);
  });
});
