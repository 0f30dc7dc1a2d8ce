// The Cloud Run host against the host conformance suite: wake requests as Cloud Tasks sends them (a
// Google-signed ID token of the tasks service account), REST calls signed with the shared secret, and
// forged credentials of every kind.

import { OAuth2Client } from 'google-auth-library';
import { createMemoryStore, createRuntime, signRequest } from '@cairn/core';
import { createCloudRunHandler } from '@cairn/host-cloud-run';
import { describeHostConformance, type HostRequest } from '@cairn/testkit';
import { createOidcSigner } from '../gcp/oidc-signer.ts';
import { bodyText, httpAnswer, outboxScheduler, wakeAnswer } from './support.ts';

const SERVICE = 'https://orders-abc-uc.a.run.app';
const TASKS_SA = 'cairn-tasks@demo-cairn.iam.gserviceaccount.com';
const SECRET = 'conformance-secret-0123456789abcdef0123456789';

describeHostConformance(
  'cloud-run',
  async ({ workflows, env, budgetMs, safetyMarginMs }) => {
    const signer = createOidcSigner();
    const stranger = createOidcSigner();
    const scheduler = outboxScheduler();
    const runtime = createRuntime({ store: createMemoryStore(), scheduler, workflows, env, maxInProcessWaitMs: 0 });
    const handler = createCloudRunHandler({
      runtime,
      auth: { oidc: { client: new OAuth2Client(), audience: SERVICE, certs: () => signer.certs(), serviceAccounts: [TASKS_SA] }, hmac: { secrets: [SECRET] } },
      requestTimeoutMs: budgetMs,
      safetyMarginMs,
      onAuthFailure: () => undefined,
    });
    const send = async ({ method, path, body, contentType }: HostRequest, headers: (text: string | undefined) => Record<string, string>) => {
      const text = bodyText(body);
      const type = text === undefined ? contentType : (contentType ?? 'application/json');
      return httpAnswer(
        await handler.fetch(new Request(`${SERVICE}${path}`, { method, body: text, headers: { ...headers(text), ...(type ? { 'content-type': type } : {}) } })),
      );
    };
    const bearer = (token: string) => () => ({ authorization: `Bearer ${token}` });
    const signed =
      (request: HostRequest, secret = SECRET) =>
      (text: string | undefined) =>
        signRequest({ secret, method: request.method, url: request.path, body: text });
    const now = Math.floor(Date.now() / 1000);
    return {
      runtime,
      scheduled: () => scheduler.requests,
      deliver: async (message) =>
        wakeAnswer(
          await send({ method: 'POST', path: '/_cairn/wake', body: message }, bearer(signer.sign({ aud: SERVICE, email: TASKS_SA, email_verified: true }))),
        ),
      request: (request) => send(request, signed(request)),
      forged: [
        { name: 'no credentials', send: (request) => send(request, () => ({})) },
        { name: 'malformed bearer', send: (request) => send(request, () => ({ authorization: 'Bearer not-a-token' })) },
        {
          name: 'token signed by another key',
          send: (request) => send(request, bearer(stranger.sign({ aud: SERVICE, email: TASKS_SA, email_verified: true }))),
        },
        {
          name: 'expired token',
          send: (request) => send(request, bearer(signer.sign({ aud: SERVICE, email: TASKS_SA, email_verified: true, iat: now - 7200, exp: now - 3600 }))),
        },
        {
          name: 'wrong audience',
          send: (request) => send(request, bearer(signer.sign({ aud: 'https://elsewhere.example', email: TASKS_SA, email_verified: true }))),
        },
        {
          name: 'wrong issuer',
          send: (request) => send(request, bearer(signer.sign({ aud: SERVICE, iss: 'https://evil.example', email: TASKS_SA, email_verified: true }))),
        },
        {
          name: 'unlisted service account',
          send: (request) => send(request, bearer(signer.sign({ aud: SERVICE, email: 'intruder@demo-cairn.iam.gserviceaccount.com', email_verified: true }))),
        },
        { name: 'signature with the wrong secret', send: (request) => send(request, signed(request, 'another-secret-0123456789abcdef0123456789')) },
        {
          name: 'signature of another path',
          send: (request) => send(request, (text) => signRequest({ secret: SECRET, method: request.method, url: '/workflows/QUICK/instances', body: text })),
        },
        {
          name: 'stale signature',
          send: (request) =>
            send(request, (text) => signRequest({ secret: SECRET, method: request.method, url: request.path, body: text, timestamp: Date.now() - 3_600_000 })),
        },
      ],
      close: () => runtime.close(),
    };
  },
  { rest: true, auth: true },
);
