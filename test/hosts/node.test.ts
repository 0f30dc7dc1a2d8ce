// The Node host's HTTP surface against the host conformance suite: wake deliveries and REST calls signed
// with the shared secret, forged signatures refused.

import { createMemoryStore, createRuntime, signRequest } from '@cairn/core';
import { createNodeHost, serveHost } from '@cairn/host-node';
import { describeHostConformance, type HostRequest } from '@cairn/testkit';
import { bodyText, httpAnswer, outboxScheduler, wakeAnswer } from './support.ts';

const SECRET = 'conformance-secret-0123456789abcdef0123456789';

describeHostConformance(
  'node',
  async ({ workflows, env, budgetMs, safetyMarginMs }) => {
    const scheduler = outboxScheduler();
    const runtime = createRuntime({ store: createMemoryStore(), scheduler, workflows, env, maxInProcessWaitMs: 0 });
    // Not started: the suite makes every delivery itself (the poller would race it).
    const host = createNodeHost({ runtime, handleSignals: false });
    const served = await serveHost(host, { port: 0, hmac: { secrets: [SECRET] }, requestTimeoutMs: budgetMs, safetyMarginMs });
    const send = async ({ method, path, body, contentType }: HostRequest, headers: (text: string | undefined) => Record<string, string>) => {
      const text = bodyText(body);
      const type = text === undefined ? contentType : (contentType ?? 'application/json');
      return httpAnswer(await fetch(`${served.url}${path}`, { method, body: text, headers: { ...headers(text), ...(type ? { 'content-type': type } : {}) } }));
    };
    const signed =
      (request: HostRequest, secret = SECRET, timestamp?: number) =>
      (text: string | undefined) =>
        signRequest({ secret, method: request.method, url: request.path, body: text, ...(timestamp ? { timestamp } : {}) });
    return {
      runtime,
      scheduled: () => scheduler.requests,
      deliver: (message) => {
        const request = { method: 'POST', path: '/_cairn/wake', body: message };
        return send(request, signed(request)).then(wakeAnswer);
      },
      request: (request) => send(request, signed(request)),
      forged: [
        { name: 'no credentials', send: (request) => send(request, () => ({})) },
        { name: 'a bearer token', send: (request) => send(request, () => ({ authorization: 'Bearer aaa.bbb.ccc' })) },
        { name: 'wrong secret', send: (request) => send(request, signed(request, 'another-secret-0123456789abcdef0123456789')) },
        { name: 'stale timestamp', send: (request) => send(request, signed(request, SECRET, Date.now() - 3_600_000)) },
      ],
      async close() {
        await served.close();
        await host.stop();
      },
    };
  },
  { rest: true, auth: true },
);
