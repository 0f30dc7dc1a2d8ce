// The Lambda host against the host conformance suite: wake messages as EventBridge Scheduler and async
// invokes send them, REST calls as a Function URL (payload 2.0) delivers them.

import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CairnError, createMemoryStore, createRuntime } from '@cairn/core';
import { createLambdaHandler } from '@cairn/host-lambda';
import { describeHostConformance } from '@cairn/testkit';
import { lambdaContext } from '../aws/support/lambda-context.ts';
import { bodyText, outboxScheduler } from './support.ts';

function httpEvent(method: string, path: string, body: string | undefined, contentType: string | undefined): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'abc.lambda-url.us-east-1.on.aws', ...(contentType ? { 'content-type': contentType } : {}) },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc',
      domainName: 'abc.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abc',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'conformance' },
      requestId: 'r1',
      routeKey: '$default',
      stage: '$default',
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: 0,
    },
    body,
    isBase64Encoded: false,
  };
}

describeHostConformance(
  'lambda',
  async ({ workflows, env, budgetMs, safetyMarginMs }) => {
    const scheduler = outboxScheduler();
    const runtime = createRuntime({ store: createMemoryStore(), scheduler, workflows, env, maxInProcessWaitMs: 0 });
    const handler = createLambdaHandler({ runtime, safetyMarginMs });
    const context = () => lambdaContext({ functionName: 'fn', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn', timeoutMs: budgetMs });
    return {
      runtime,
      scheduled: () => scheduler.requests,
      async deliver(message) {
        try {
          const result = (await handler(message, context())) as { outcome: string };
          return { kind: 'outcome', outcome: result.outcome };
        } catch (error) {
          return { kind: 'error', code: CairnError.is(error) ? error.code : 'thrown' };
        }
      },
      async request({ method, path, body, contentType }) {
        const text = bodyText(body);
        const result = (await handler(
          httpEvent(method, path, text, text === undefined ? contentType : (contentType ?? 'application/json')),
          context(),
        )) as APIGatewayProxyStructuredResultV2;
        return {
          status: result.statusCode!,
          headers: new Headers(result.headers as Record<string, string>),
          body: result.body ? JSON.parse(result.body) : undefined,
        };
      },
      close: () => runtime.close(),
    };
  },
  { rest: true, auth: false },
);
