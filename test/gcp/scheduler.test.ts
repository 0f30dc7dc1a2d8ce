import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuth2Client } from 'google-auth-library';
import { CairnError, createMemoryStore, createRuntime, WakeMessageSchema, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createCloudTasksScheduler, TASK_ID_PATTERN, wakeTaskId } from '@cairn/scheduler-cloud-tasks';
import { startCloudTasksEmulator, type CloudTasksEmulator } from './cloud-tasks-emulator.js';
import { createOidcSigner } from './oidc-signer.js';
import { localCloudTasksClient } from './clients.js';

const QUEUE = 'projects/demo-project/locations/us-central1/queues/cairn-wakes';
const SA = 'cairn-tasks@demo-project.iam.gserviceaccount.com';
const DAY = 24 * 60 * 60 * 1000;

const signer = createOidcSigner();
let emulator: CloudTasksEmulator;
let target: { url: string; received: Array<{ headers: IncomingMessage['headers']; body: string }>; close(): Promise<void> };

beforeAll(async () => {
  emulator = await startCloudTasksEmulator({ signer });
  emulator.createQueue(QUEUE);
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    res.writeHead(200).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/_cairn/wake`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});

afterAll(async () => {
  await emulator?.stop();
  await target?.close();
});

class Parked extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.waitForEvent('go', { type: 'go', timeout: '1 day' });
  }
}

const scheduler = (overrides: Record<string, unknown> = {}) =>
  createCloudTasksScheduler({ client: localCloudTasksClient(emulator), queue: QUEUE, url: target.url, serviceAccountEmail: SA, ...overrides });

describe('createCloudTasksScheduler against the Cloud Tasks stand-in', () => {
  it('delivers an immediate wake-up as a POST of the wake message with a Google-signed OIDC token', async () => {
    await scheduler().schedule({ workflowName: 'ORDER', instanceId: 'now-1', wakeAt: Date.now() - 5, wakeSeq: 0 });
    await emulator.drain();
    const delivered = target.received.find((r) => r.body.includes('now-1'));
    expect(delivered).toBeDefined();
    const message = WakeMessageSchema.parse(JSON.parse(delivered!.body));
    expect(message).toMatchObject({ kind: 'cairn.wake', workflowName: 'ORDER', instanceId: 'now-1', wakeSeq: 0 });
    expect(delivered!.headers['content-type']).toBe('application/json');
    const token = delivered!.headers.authorization!.replace(/^Bearer /, '');
    const ticket = await new OAuth2Client().verifySignedJwtWithCertsAsync(token, signer.certs(), new URL(target.url).origin, ['https://accounts.google.com']);
    expect(ticket.getPayload()?.email).toBe(SA);
  });

  it('names tasks deterministically, so scheduling the same wake-up twice creates one task (ALREADY_EXISTS is success)', async () => {
    const wake = { workflowName: 'ORDER', instanceId: 'twice', wakeAt: Date.now() + 60_000, wakeSeq: 3 };
    const s = scheduler();
    await s.schedule(wake);
    await s.schedule(wake);
    const name = `${QUEUE}/tasks/${wakeTaskId('ORDER', 'twice', 3)}`;
    expect(emulator.createCalls.filter((call) => call.name === name).map((call) => call.status)).toEqual([200, 409]);
    expect([...emulator.tasks.keys()].filter((key) => key === name)).toHaveLength(1);
    // A different wakeSeq is a different wake-up.
    await s.schedule({ ...wake, wakeSeq: 4 });
    expect(emulator.tasks.has(`${QUEUE}/tasks/${wakeTaskId('ORDER', 'twice', 4)}`)).toBe(true);
  });

  it("an id deleted and created again gets tasks of its own (no ALREADY_EXISTS), and the old incarnation's wake-up is dropped as stale", async () => {
    const store = createMemoryStore();
    const tasks = scheduler();
    const runtime = createRuntime({ store, scheduler: tasks, workflows: { ORDER: Parked }, maxInProcessWaitMs: 0 });
    try {
      const first = await runtime.workflow('ORDER').create({ id: 'reused' });
      const firstIncarnation = (await store.getInstance({ workflowName: 'ORDER', instanceId: 'reused' }))!.incarnation!;
      await first.delete();
      await runtime.workflow('ORDER').create({ id: 'reused' });
      const second = (await store.getInstance({ workflowName: 'ORDER', instanceId: 'reused' }))!;
      expect(second.incarnation).not.toBe(firstIncarnation);
      const names = [firstIncarnation, second.incarnation!].map((incarnation) => `${QUEUE}/tasks/${wakeTaskId('ORDER', 'reused', 0, 0, incarnation)}`);
      // Both first wake-ups (wakeSeq 0) were created: the second is not mistaken for a retry of the first.
      for (const name of names) expect(emulator.createCalls.filter((call) => call.name === name).map((call) => call.status)).toEqual([200]);
      // The deleted instance's wake-up, delivered late to the new one, changes nothing.
      const stale = await runtime.wake(
        { kind: 'cairn.wake', workflowName: 'ORDER', instanceId: 'reused', wakeSeq: 0, wakeAt: 0, incarnation: firstIncarnation },
        { endsAt: Date.now() + 10_000 },
      );
      expect(stale.outcome).toBe('stale');
      expect((await store.getInstance({ workflowName: 'ORDER', instanceId: 'reused' }))!.version).toBe(second.version);
    } finally {
      await runtime.close();
    }
  });

  it("schedules at its time, and clamps wake-ups past Cloud Tasks' 720h horizon", async () => {
    const now = Date.now();
    const s = scheduler();
    await s.schedule({ workflowName: 'ORDER', instanceId: 'soon', wakeAt: now + 2 * DAY, wakeSeq: 1 });
    await s.schedule({ workflowName: 'ORDER', instanceId: 'far', wakeAt: now + 400 * DAY, wakeSeq: 1 });
    const soon = emulator.tasks.get(`${QUEUE}/tasks/${wakeTaskId('ORDER', 'soon', 1)}`)!;
    // 400 days is 14 links of (30 days - 1 hour): this first one has 13 more to come.
    const far = emulator.tasks.get(`${QUEUE}/tasks/${wakeTaskId('ORDER', 'far', 1, 13)}`)!;
    expect(soon.scheduleTime).toBe(now + 2 * DAY);
    expect(far.scheduleTime).toBeGreaterThanOrEqual(now + 30 * DAY - 60 * 60 * 1000);
    expect(far.scheduleTime).toBeLessThanOrEqual(Date.now() + 30 * DAY - 60 * 60 * 1000);
    expect(far.oidc).toEqual({ serviceAccountEmail: SA, audience: new URL(target.url).origin });
  });

  it('reports service refusals as AdapterError naming cloud-tasks', async () => {
    const missing = createCloudTasksScheduler({
      client: localCloudTasksClient(emulator),
      queue: 'projects/demo-project/locations/us-central1/queues/no-such-queue',
      url: target.url,
    });
    const error = await missing.schedule({ workflowName: 'ORDER', instanceId: 'x', wakeAt: Date.now(), wakeSeq: 0 }).catch((e: unknown) => e);
    expect(CairnError.is(error, 'scheduler_error')).toBe(true);
    expect((error as Error).message).toMatch(/\[cloud-tasks\] createTask: ORDER\/x/);
    expect((error as Error & { cause: { code: number } }).cause.code).toBe(5); // NOT_FOUND
  });

  it('validates its options once', () => {
    expect(() => createCloudTasksScheduler({ client: localCloudTasksClient(emulator), queue: 'my-queue', url: target.url })).toThrow(/queue/);
    expect(() => createCloudTasksScheduler({ client: {} as never, queue: QUEUE, url: target.url })).toThrow(/CloudTasksClient/);
  });

  it('makes valid, distinct task ids for any workflow name and instance id', () => {
    const ids = new Set<string>();
    const names = ['ORDER', 'order_v2', 'my-workflow', 'Ünïcode flow', 'x'.repeat(600)];
    const instances = ['a', 'a-b', 'a--b', '_x', 'y'.repeat(100)];
    for (const name of names)
      for (const instance of instances)
        for (const seq of [-1, 0, 1, 12345])
          for (const link of [0, 1, 13]) {
            const id = wakeTaskId(name, instance, seq, link);
            expect(id).toMatch(TASK_ID_PATTERN);
            ids.add(id);
          }
    expect(ids.size).toBe(names.length * instances.length * 4 * 3);
    expect(wakeTaskId('W', 'a-1-L2', 3)).not.toBe(wakeTaskId('W', 'a', 1, 2));
    // "a-b" + seq 1 vs "a" + ... never collide in the readable form.
    expect(wakeTaskId('W', 'a-1', 2)).not.toBe(wakeTaskId('W', 'a', 12));
  });
});
