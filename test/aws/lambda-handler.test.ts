// The Lambda handler on its own: event routing and validation, the HTTP bridge, deadlines and early
// wake-ups. The scheduler is an outbox: the wake requests a remote scheduler would deliver.

import { describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CairnError, createMemoryStore, createRuntime, WorkflowEntrypoint, type Scheduler, type WakeRequest, type WorkflowStep } from '@cairn/core';
import { createLambdaHandler, type LambdaResult } from '@cairn/host-lambda';
import { sweeperTick } from './support/events.ts';
import { lambdaContext } from './support/lambda-context.ts';

class Nap extends WorkflowEntrypoint {
  async run(_event: unknown, step: WorkflowStep) {
    const a = await step.do('a', async () => 1);
    await step.sleep('nap', 1_500);
    return { a, woke: true };
  }
}

function setup(options: { maxInProcessWaitMs?: number } = {}) {
  const outbox: WakeRequest[] = [];
  const scheduler: Scheduler = { name: 'outbox', schedule: async (wake) => void outbox.push({ ...wake }) };
  let built = 0;
  const store = createMemoryStore();
  const handler = createLambdaHandler({
    runtime: () => {
      built++;
      return createRuntime({ store, scheduler, workflows: { NAP: Nap }, maxInProcessWaitMs: options.maxInProcessWaitMs ?? 0 });
    },
    safetyMarginMs: 1_000,
  });
  const context = (timeoutMs = 10_000) => lambdaContext({ functionName: 'fn', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn', timeoutMs });
  return { handler, outbox, context, store, built: () => built };
}

function httpEvent(method: string, path: string, body?: string, base64 = false): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: 'debug=1',
    cookies: ['session=abc'],
    headers: { 'content-type': 'application/json', host: 'abc.lambda-url.us-east-1.on.aws' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc',
      domainName: 'abc.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abc',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'r1',
      routeKey: '$default',
      stage: '$default',
      time: '01/Jan/2025:00:00:00 +0000',
      timeEpoch: 0,
    },
    body: body === undefined ? undefined : base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
  };
}

const wakeOf = (wake: WakeRequest) => ({ kind: 'cairn.wake', ...wake });

describe('createLambdaHandler', () => {
  it('creates nothing at construction, then builds the runtime once', async () => {
    const { handler, context, built } = setup();
    expect(built()).toBe(0);
    await handler(httpEvent('GET', '/workflows/NAP/instances/none'), context());
    await handler(httpEvent('GET', '/workflows/NAP/instances/none'), context());
    expect(built()).toBe(1);
  });

  it('serves Function URL requests, base64 bodies included, and replays wake messages', async () => {
    const { handler, outbox, context } = setup();
    const created = (await handler(
      httpEvent('POST', '/workflows/NAP/instances', JSON.stringify({ id: 'n1' }), true),
      context(),
    )) as APIGatewayProxyStructuredResultV2;
    expect(created.statusCode).toBe(201);
    expect(created.isBase64Encoded).toBe(false);
    expect(created.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8' });
    expect(JSON.parse(created.body!)).toEqual({ id: 'n1', status: 'queued' });
    expect(outbox).toEqual([expect.objectContaining({ instanceId: 'n1', wakeSeq: 0 })]);

    const first = await handler(wakeOf(outbox[0]!), context());
    expect(first).toMatchObject({ kind: 'wake', outcome: 'suspended', status: 'waiting' });
    const sleep = outbox[1]!;
    expect(sleep.wakeAt - Date.now()).toBeGreaterThan(1_000);

    // Delivered early (as an immediate invoke is): the handler waits for the wake time, then replays.
    const started = Date.now();
    const second = await handler(wakeOf(sleep), context());
    expect(second).toMatchObject({ kind: 'wake', outcome: 'complete', status: 'complete' });
    expect(Date.now()).toBeGreaterThanOrEqual(sleep.wakeAt);
    expect(Date.now() - started).toBeGreaterThan(900);

    const got = (await handler(httpEvent('GET', '/workflows/NAP/instances/n1'), context())) as APIGatewayProxyStructuredResultV2;
    expect(JSON.parse(got.body!)).toEqual({ id: 'n1', status: 'complete', output: { a: 1, woke: true } });
    const accepted = (await handler(httpEvent('POST', '/workflows/NAP/instances/n1/pause'), context())) as APIGatewayProxyStructuredResultV2;
    expect(accepted.statusCode).toBe(202);
    expect(accepted.body).toBeUndefined();
  });

  it("maxInProcessWaitMs: 'remaining' keeps a sleep that fits in the invocation in process: no schedule", async () => {
    const outbox: WakeRequest[] = [];
    const handler = createLambdaHandler({
      runtime: createRuntime({
        store: createMemoryStore(),
        scheduler: { name: 'outbox', schedule: async (wake) => void outbox.push(wake) },
        workflows: { NAP: Nap },
      }),
      safetyMarginMs: 1_000,
      maxInProcessWaitMs: 'remaining',
    });
    const context = (timeoutMs: number) => lambdaContext({ functionName: 'fn', functionArn: 'arn:aws:lambda:us-east-1:1:function:fn', timeoutMs });
    await handler(httpEvent('POST', '/workflows/NAP/instances', JSON.stringify({ id: 'fits' })), context(10_000));
    expect(await handler(wakeOf(outbox[0]!), context(10_000))).toMatchObject({ kind: 'wake', outcome: 'complete' });
    expect(outbox).toHaveLength(1); // only the start: the 1.5 s sleep never became a schedule
    await handler(httpEvent('POST', '/workflows/NAP/instances', JSON.stringify({ id: 'too-long' })), context(10_000));
    // A 2 s invocation leaves 1 s after the margin: the 1.5 s sleep does not fit, so it suspends.
    expect(await handler(wakeOf(outbox[1]!), context(2_000))).toMatchObject({ kind: 'wake', outcome: 'suspended' });
  });

  it('stops at the deadline and reports continue, after asking for an immediate wake-up', async () => {
    class Busy extends WorkflowEntrypoint {
      async run(_event: unknown, step: WorkflowStep) {
        for (let i = 0; i < 6; i++) await step.do(`s${i}`, async () => new Promise((resolve) => setTimeout(resolve, 200)));
        return 'done';
      }
    }
    const outbox: WakeRequest[] = [];
    const handler = createLambdaHandler({
      runtime: createRuntime({
        store: createMemoryStore(),
        scheduler: { name: 'outbox', schedule: async (wake) => void outbox.push(wake) },
        workflows: { BUSY: Busy },
      }),
      safetyMarginMs: 500,
    });
    const context = () => lambdaContext({ functionName: 'fn', functionArn: 'arn:aws:lambda:us-east-1:1:function:fn', timeoutMs: 1_200 });
    await handler(httpEvent('POST', '/workflows/BUSY/instances', JSON.stringify({ id: 'b' })), context());
    const outcomes: LambdaResult[] = [];
    for (let i = 0; i < 5 && !outcomes.some((result) => 'outcome' in result && result.outcome === 'complete'); i++) {
      const wake = outbox.at(-1)!;
      const before = Date.now();
      outcomes.push(await handler(wakeOf(wake), context()));
      expect(Date.now() - before).toBeLessThan(1_200);
    }
    expect(outcomes[0]).toMatchObject({ outcome: 'continue', status: 'running' });
    expect(outcomes.at(-1)).toMatchObject({ outcome: 'complete' });
    // Each continue asked for a wake-up due at once.
    expect(outbox.length).toBe(outcomes.length);
  });

  it('sweeps on an EventBridge rule tick', async () => {
    const { handler, context, outbox, store } = setup();
    const runtime = createRuntime({ store, scheduler: { name: 'lost', schedule: async () => {} }, workflows: { NAP: Nap } });
    await runtime.workflow('NAP').create({ id: 'lost' });
    const tick = sweeperTick('1', 'sweeper');
    expect(await handler(tick, context())).toEqual({ kind: 'sweep', due: 1 });
    // Fan-out: one immediate wake-up per due instance, each run by its own invocation.
    expect(outbox).toEqual([expect.objectContaining({ instanceId: 'lost', wakeSeq: -1 })]);
    await runtime.close();

    const inProcess = createLambdaHandler({ runtime: createRuntime({ store, workflows: { NAP: Nap } }), sweepMode: 'in-process' });
    expect(await inProcess({ kind: 'cairn.sweep' }, context())).toEqual({ kind: 'sweep', due: 1 });
    expect((await store.getInstance({ workflowName: 'NAP', instanceId: 'lost' }))?.status).toBe('waiting');
  });

  it('a sweeper tick fires the cron schedules that came due while no invocation ran', async () => {
    const outbox: WakeRequest[] = [];
    const store = createMemoryStore();
    const handler = createLambdaHandler({
      runtime: createRuntime({
        store,
        scheduler: { name: 'outbox', schedule: async (wake) => void outbox.push({ ...wake }) },
        workflows: { NAP: { workflow: Nap, schedules: ['* * * * *'] } },
        cronTimers: false,
      }),
    });
    const tick = { kind: 'cairn.sweep' };
    const first = await handler(
      tick,
      lambdaContext({ functionName: 'fn', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn', timeoutMs: 10_000 }),
    );
    // The last ten minutes hold ten fire times: ten instances, each due and fanned out.
    expect(first).toEqual({ kind: 'sweep', due: 10 });
    const ids = (await store.listInstances({ workflowName: 'NAP' })).instances.map((i) => i.instanceId);
    expect(ids).toHaveLength(10);
    expect(ids.every((id) => /^cron-[0-9a-z]+-\d+$/.test(id))).toBe(true);
    expect(new Set(outbox.filter((wake) => wake.wakeSeq === -1).map((wake) => wake.instanceId))).toEqual(new Set(ids));
  });

  it('refuses what it does not handle with typed errors', async () => {
    const { handler, context } = setup();
    const unknown = await handler({ Records: [] }, context()).catch((error: unknown) => error);
    expect(CairnError.is(unknown, 'invalid_input')).toBe(true);
    expect((unknown as Error).message).toMatch(/Lambda event/);
    const badWake = await handler({ kind: 'cairn.wake', workflowName: 'NAP', instanceId: 'x', wakeSeq: 'one', wakeAt: 0 }, context()).catch(
      (error: unknown) => error,
    );
    expect(CairnError.is(badWake, 'invalid_input')).toBe(true);
    const otherWorkflow = await handler({ kind: 'cairn.wake', workflowName: 'OTHER', instanceId: 'x', wakeSeq: 0, wakeAt: 0 }, context()).catch(
      (error: unknown) => error,
    );
    expect(CairnError.is(otherWorkflow, 'unknown_workflow')).toBe(true);
    const tooShort = await handler({ kind: 'cairn.wake', workflowName: 'NAP', instanceId: 'x', wakeSeq: 0, wakeAt: 0 }, context(1_200)).catch(
      (error: unknown) => error,
    );
    expect(tooShort).toMatchObject({ name: 'ValidationError', input: 'safetyMarginMs' });
    expect(() => createLambdaHandler({ runtime: 'nope' as never })).toThrow(/createLambdaHandler options/);
    const noApi = createLambdaHandler({
      runtime: () => {
        throw new Error('not needed');
      },
      httpApi: false,
    });
    expect(((await noApi(httpEvent('GET', '/x'), context())) as APIGatewayProxyStructuredResultV2).statusCode).toBe(404);
  });
});
