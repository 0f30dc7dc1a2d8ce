// The Lambda handler's other HTTP front doors (API Gateway REST API events, payload 1.0, and Application Load
// Balancer events, with and without multi-value headers) and its early wake-ups, which must never hold an
// invocation: a finished instance answers at once, a wake-up far ahead is re-armed and answered at once.

import { describe, expect, it } from 'vitest';
import type { ALBEvent, ALBResult, APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createMemoryStore, createRuntime, WorkflowEntrypoint, type Clock, type Scheduler, type WakeRequest, type WorkflowStep } from '@cairn/core';
import { createLambdaHandler } from '@cairn/host-lambda';
import { lambdaContext } from './support/lambda-context.ts';

class Parked extends WorkflowEntrypoint {
  async run(_event: unknown, step: WorkflowStep) {
    const note = await step.waitForEvent<{ note: string }>('note', { type: 'note', timeout: '1 hour' });
    return note.payload;
  }
}

function setup(clock?: Clock) {
  const outbox: WakeRequest[] = [];
  const scheduler: Scheduler = { name: 'outbox', schedule: async (wake) => void outbox.push({ ...wake }) };
  const runtime = createRuntime({ store: createMemoryStore(), scheduler, workflows: { PARKED: Parked }, maxInProcessWaitMs: 0, ...(clock ? { clock } : {}) });
  const handler = createLambdaHandler({ runtime, safetyMarginMs: 1_000 });
  const context = () => lambdaContext({ functionName: 'fn', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn', timeoutMs: 30_000 });
  return { runtime, handler, outbox, context };
}

function restEvent(method: string, path: string, body?: string, query?: Record<string, string>): APIGatewayProxyEvent {
  return {
    resource: '/{proxy+}',
    path,
    httpMethod: method,
    headers: { 'Content-Type': 'application/json', Host: 'abc.execute-api.us-east-1.amazonaws.com' },
    multiValueHeaders: { 'Content-Type': ['application/json'], Host: ['abc.execute-api.us-east-1.amazonaws.com'] },
    queryStringParameters: query ?? null,
    multiValueQueryStringParameters: query ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])) : null,
    pathParameters: { proxy: path.slice(1) },
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc',
      authorizer: null,
      domainName: 'abc.execute-api.us-east-1.amazonaws.com',
      httpMethod: method,
      identity: { sourceIp: '127.0.0.1', userAgent: 'test' } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/prod${path}`,
      protocol: 'HTTP/1.1',
      requestId: 'r1',
      requestTimeEpoch: 0,
      resourceId: 'x',
      resourcePath: '/{proxy+}',
      stage: 'prod',
    },
    body: body ?? null,
    isBase64Encoded: false,
  };
}

function albEvent(method: string, path: string, body: string | undefined, multi: boolean, base64 = false): ALBEvent {
  const headers = { 'content-type': 'application/json', host: 'orders-123.us-east-1.elb.amazonaws.com' };
  return {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/cairn/abc' } },
    httpMethod: method,
    path,
    ...(multi
      ? { multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])), multiValueQueryStringParameters: {} }
      : { headers, queryStringParameters: {} }),
    body: body === undefined ? '' : base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
  };
}

describe('API Gateway REST API and ALB events', () => {
  it('REST API (payload 1.0): creates, reads and signals an instance; the result is a proxy result', async () => {
    const { handler, context } = setup();
    const created = (await handler(restEvent('POST', '/workflows/PARKED/instances', JSON.stringify({ id: 'r-1' })), context())) as APIGatewayProxyResult;
    expect(created.statusCode).toBe(201);
    expect(created.isBase64Encoded).toBe(false);
    expect(created.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8' });
    expect(JSON.parse(created.body)).toEqual({ id: 'r-1', status: 'queued' });
    const sent = (await handler(
      restEvent('POST', '/workflows/PARKED/instances/r-1/events', JSON.stringify({ type: 'note', payload: { note: 'hi' } })),
      context(),
    )) as APIGatewayProxyResult;
    expect(sent.statusCode).toBe(202);
    expect(typeof sent.body).toBe('string');
    const read = (await handler(restEvent('GET', '/workflows/PARKED/instances/r-1', undefined, { debug: 'a b&c' }), context())) as APIGatewayProxyResult;
    expect(read.statusCode).toBe(200);
    expect(JSON.parse(read.body)).toMatchObject({ id: 'r-1' });
    const missing = (await handler(restEvent('GET', '/workflows/PARKED/instances/none'), context())) as APIGatewayProxyResult;
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: 'instance_not_found' } });
  });

  it('ALB, single-value headers: a status description, headers back as single values, base64 bodies read', async () => {
    const { handler, context } = setup();
    const created = (await handler(albEvent('POST', '/workflows/PARKED/instances', JSON.stringify({ id: 'a-1' }), false, true), context())) as ALBResult;
    expect(created).toMatchObject({ statusCode: 201, statusDescription: '201 Created', isBase64Encoded: false });
    expect(created.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8' });
    expect(created.multiValueHeaders).toBeUndefined();
    const bad = (await handler(albEvent('POST', '/workflows/PARKED/instances', '{"id":', false), context())) as ALBResult;
    expect(bad).toMatchObject({ statusCode: 400, statusDescription: '400 Bad Request' });
    expect(JSON.parse(bad.body!)).toMatchObject({ error: { code: 'invalid_json' } });
  });

  it('ALB with multi-value headers: answered with multi-value headers only', async () => {
    const { handler, context } = setup();
    const created = (await handler(albEvent('POST', '/workflows/PARKED/instances', JSON.stringify({ id: 'a-2' }), true), context())) as ALBResult;
    expect(created.statusCode).toBe(201);
    expect(created.headers).toBeUndefined();
    expect(created.multiValueHeaders).toMatchObject({ 'content-type': ['application/json; charset=utf-8'] });
  });

  it('a request with a Host that makes no URL is a 400 with a typed body, not a crash', async () => {
    const { handler, context } = setup();
    const event = restEvent('GET', '/workflows/PARKED/instances');
    event.requestContext.domainName = 'bad host name';
    const answer = (await handler(event, context())) as APIGatewayProxyResult;
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'invalid_request' } });
  });
});

/** A clock that never moves on its own: a handler that sleeps on it would never return. */
function frozenClock(at: number): Clock {
  return { now: () => at, setTimer: () => ({ cancel: () => undefined }) } as unknown as Clock;
}

describe('early wake-ups never hold the invocation', () => {
  it('a wake-up far ahead for a terminated instance answers terminated at once, and schedules nothing', async () => {
    const now = Date.UTC(2030, 0, 1);
    const { runtime, handler, outbox, context } = setup(frozenClock(now));
    const instance = await runtime.workflow('PARKED').create({ id: 't-1' });
    await instance.terminate();
    const before = outbox.length;
    const answer = await handler({ kind: 'cairn.wake', workflowName: 'PARKED', instanceId: 't-1', wakeSeq: 99, wakeAt: now + 20_000 }, context());
    expect(answer).toMatchObject({ kind: 'wake', outcome: 'terminated', status: 'terminated' });
    expect(outbox.length).toBe(before);
  });

  it('a wake-up further ahead than earlyWaitMs is re-armed for its time and answered at once', async () => {
    const now = Date.UTC(2030, 0, 1);
    const { runtime, handler, outbox, context } = setup(frozenClock(now));
    await runtime.workflow('PARKED').create({ id: 't-2' });
    const wake = outbox.at(-1)!;
    const answer = await handler({ kind: 'cairn.wake', ...wake, wakeAt: now + 20_000 }, context());
    expect(answer).toMatchObject({ kind: 'wake', outcome: 'early', wakeAt: now + 20_000 });
    expect(outbox.at(-1)).toMatchObject({ instanceId: 't-2', wakeAt: now + 20_000, wakeSeq: wake.wakeSeq, incarnation: wake.incarnation });
  });
});
