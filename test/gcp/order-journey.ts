// The order journey, shared by the memory-store and Firestore-store end-to-end files.

import { expect, it } from 'vitest';
import { wakeTaskId } from '@cairn/scheduler-cloud-tasks';
import { TASKS_SA, type GcpStack } from './harness.js';

export function describeOrderJourney(getStack: () => GcpStack): void {
  it('creates an order over HTTP and runs it to complete: retries, a task-woken sleep, an approval event, parallel steps', async () => {
    const stack = getStack();
    const created = await stack.call('POST', '/workflows/ORDER/instances', { id: 'order-1', params: { orderId: 'A1', amountCents: 1299, coolOffMs: 800 } });
    expect(created.status).toBe(201);
    expect(created.body.id).toBe('order-1');

    // The payment fails twice (each retry is a Cloud Tasks wake-up), the sleep suspends, the wait blocks.
    await stack.waitForStatus('ORDER', 'order-1', 'waiting');
    const ref = { workflowName: 'ORDER', instanceId: 'order-1' };
    const until = Date.now() + 15_000;
    while (!(await stack.runtime.store.loadJournal(ref))!.steps.some((s) => s.id === 'wait:manager approval-1#start')) {
      if (Date.now() > until) throw new Error('the instance never reached its waitForEvent');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const sent = await stack.call('POST', '/workflows/ORDER/instances/order-1/events', { type: 'approval', payload: { approvedBy: 'maria' } });
    expect(sent.status).toBe(202);

    const done = await stack.waitForStatus('ORDER', 'order-1', 'complete');
    expect(done.output).toEqual({
      orderId: 'A1',
      chargeId: 'ch_A1',
      paymentAttempts: 3,
      approvedBy: 'maria',
      invoice: 'inv_A1_1299',
      trackingNumber: 'trk_A1',
    });

    await stack.emulator.drain();
    const journal = (await stack.runtime.store.loadJournal(ref))!;
    const ids = journal.steps.map((s) => s.id);
    expect(ids.filter((id) => id.startsWith('do:charge payment-1#'))).toEqual(['do:charge payment-1#1', 'do:charge payment-1#2']);
    expect(journal.steps.find((s) => s.id === 'do:charge payment-1')).toMatchObject({ state: 'completed', attempt: 3 });
    const sleep = journal.steps.find((s) => s.id === 'sleep:cool-off-1#start')!;

    // Every replay was a Cloud Tasks delivery (the runtime waits nothing in process): the first at
    // creation, one per payment retry, one at the sleep's end, and one for the event unless the event
    // reached a replay still holding the instance. (The wait's 1-day timeout also has a task, still
    // pending; it will find the instance complete.)
    const all = [...stack.emulator.tasks.values()].filter((t) => JSON.parse(t.body.toString()).instanceId === 'order-1');
    const tasks = all.filter((t) => t.scheduleTime < Date.now() + 60_000);
    expect(all.filter((t) => t.state === 'pending').map((t) => Math.round((t.scheduleTime - Date.now()) / 3_600_000))).toEqual([24]);
    expect(tasks.length).toBeGreaterThanOrEqual(4);
    expect(tasks.map((t) => [t.oidc?.serviceAccountEmail, t.state])).toEqual(tasks.map(() => [TASKS_SA, 'done']));
    const sleepTask = tasks.find((t) => Math.abs(t.scheduleTime - sleep.wakeAt!) < 2);
    expect(sleepTask, 'a task scheduled at the end of the sleep').toBeDefined();
    const message = JSON.parse(sleepTask!.body.toString()) as { wakeSeq: number; incarnation?: string };
    expect(sleepTask!.name.endsWith(wakeTaskId('ORDER', 'order-1', message.wakeSeq, 0, message.incarnation))).toBe(true);
    expect(stack.emulator.dispatches.filter((d) => tasks.some((t) => t.name === d.name)).every((d) => d.status === 200)).toBe(true);
  });

  it('answers the REST API with typed errors', async () => {
    const stack = getStack();
    const missing = await stack.call('GET', '/workflows/ORDER/instances/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('instance_not_found');
    const badParams = await stack.call('POST', '/workflows/ORDER/instances', { id: 'bad', params: { orderId: 'x' } });
    expect(badParams.status).toBe(400);
    expect(badParams.body.error.code).toBe('invalid_input');
    const unknown = await stack.call('POST', '/workflows/NOPE/instances', {});
    expect(unknown.status).toBe(404);
    const badWake = await stack.callWithToken('POST', '/_cairn/wake', { kind: 'cairn.wake', workflowName: 'ORDER' });
    expect(badWake.status).toBe(400);
    expect(badWake.body.error.code).toBe('invalid_wake');
    const wrongMethod = await stack.callWithToken('GET', '/_cairn/wake');
    expect(wrongMethod.status).toBe(405);
  });
}
