// The Lambda stand-in answers the real @aws-sdk/client-lambda as Lambda does.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { lambdaClient } from './support/clients.ts';
import { startLambdaStandIn, type LambdaStandIn } from './support/lambda-stand-in.ts';

let lambda: LambdaStandIn;
const remaining: number[] = [];
beforeAll(async () => {
  lambda = await startLambdaStandIn({
    functionName: 'fn',
    timeoutMs: 300,
    asyncRetries: 2,
    retryDelayMs: 20,
    createHandler: () => async (event: { sleepMs?: number; fail?: boolean }, context) => {
      remaining.push(context.getRemainingTimeInMillis());
      if (event.fail) throw new TypeError('boom');
      await new Promise((resolve) => setTimeout(resolve, event.sleepMs ?? 0));
      return { ok: true, left: context.getRemainingTimeInMillis() };
    },
  });
});
afterAll(async () => {
  await lambda?.stop();
});

const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('Lambda stand-in', () => {
  it('runs sync and async invocations with a counting-down context', async () => {
    const client = lambdaClient(lambda.endpoint);
    const sync = await client.send(new InvokeCommand({ FunctionName: 'fn', Payload: payload({ sleepMs: 100 }) }));
    expect(sync.StatusCode).toBe(200);
    const body = JSON.parse(new TextDecoder().decode(sync.Payload));
    expect(body.ok).toBe(true);
    expect(body.left).toBeLessThanOrEqual(200);
    expect(remaining.at(-1)).toBeGreaterThan(250);

    const failed = await client.send(new InvokeCommand({ FunctionName: lambda.functionArn, Payload: payload({ fail: true }) }));
    expect(failed.FunctionError).toBe('Unhandled');
    expect(JSON.parse(new TextDecoder().decode(failed.Payload))).toMatchObject({ errorType: 'TypeError', errorMessage: 'boom' });

    const timedOut = await client.send(new InvokeCommand({ FunctionName: 'fn', Payload: payload({ sleepMs: 1_000 }) }));
    expect(JSON.parse(new TextDecoder().decode(timedOut.Payload))).toMatchObject({ errorType: 'Sandbox.Timedout' });

    const before = lambda.invocations.length;
    const async = await client.send(new InvokeCommand({ FunctionName: 'fn', InvocationType: 'Event', Payload: payload({ fail: true }) }));
    expect(async.StatusCode).toBe(202);
    await lambda.idle();
    // A failed async invocation runs three times in all.
    expect(lambda.invocations.slice(before).map((record) => record.outcome)).toEqual(['error', 'error', 'error']);
    client.destroy();
  });

  it('refuses unknown functions, bad JSON and oversized async payloads', async () => {
    const client = lambdaClient(lambda.endpoint);
    const missing = await client.send(new InvokeCommand({ FunctionName: 'other', Payload: payload({}) })).catch((error: Error) => error);
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException' });
    const bad = await client.send(new InvokeCommand({ FunctionName: 'fn', Payload: new TextEncoder().encode('{nope') })).catch((error: Error) => error);
    expect(bad).toMatchObject({ name: 'InvalidRequestContentException' });
    const big = await client
      .send(new InvokeCommand({ FunctionName: 'fn', InvocationType: 'Event', Payload: payload({ data: 'x'.repeat(300 * 1024) }) }))
      .catch((error: Error) => error);
    expect(big).toMatchObject({ name: 'RequestTooLargeException' });
    client.destroy();
  });
});
