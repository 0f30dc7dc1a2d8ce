// Every request must be authenticated: refused requests get 401 and change nothing (store and queue).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '@cairn/core';
import { signRequest } from '@cairn/host-cloud-run';
import { createOrderService } from '../../examples/cloud-run/src/app.ts';
import { HMAC_SECRET, QUEUE, startGcpStack, TASKS_SA, type GcpStack } from './harness.js';
import { createOidcSigner } from './oidc-signer.js';

let stack: GcpStack;

beforeAll(async () => {
  stack = await startGcpStack(({ serviceUrl, tasks, auth }) =>
    createOrderService({ store: createMemoryStore(), tasks, queue: QUEUE, serviceUrl, tasksServiceAccount: TASKS_SA, auth, maxInProcessWaitMs: 0 }),
  );
  // An instance parked at its approval, for requests that would change it.
  expect((await stack.call('POST', '/workflows/ORDER/instances', { id: 'parked', params: { orderId: 'P', amountCents: 5, coolOffMs: 0 } })).status).toBe(201);
  const until = Date.now() + 10_000;
  while (
    !(await stack.runtime.store.loadJournal({ workflowName: 'ORDER', instanceId: 'parked' }))?.steps.some((s) => s.id === 'wait:manager approval-1#start')
  ) {
    if (Date.now() > until) throw new Error('setup: the instance never reached its wait');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stack.emulator.drain();
});
afterAll(async () => {
  await stack?.stop();
});

async function snapshot() {
  const { instances } = await stack.runtime.store.listInstances({ limit: 100 });
  const journals = await Promise.all(instances.map((i) => stack.runtime.store.loadJournal(i)));
  return { journals, tasks: stack.emulator.tasks.size };
}

const now = () => Math.floor(Date.now() / 1000);

/** The requests an attacker would like to make: each would change something if let in. */
const attempts = () => [
  { method: 'POST', path: '/workflows/ORDER/instances', body: { id: 'intruder', params: { orderId: 'X', amountCents: 1 } } },
  { method: 'POST', path: '/workflows/ORDER/instances/parked/events', body: { type: 'approval', payload: { approvedBy: 'mallory' } } },
  { method: 'POST', path: '/workflows/ORDER/instances/parked/terminate', body: {} },
  { method: 'POST', path: '/_cairn/wake', body: { kind: 'cairn.wake', workflowName: 'ORDER', instanceId: 'parked', wakeSeq: -1, wakeAt: 0 } },
  { method: 'POST', path: '/_cairn/sweep', body: undefined },
  { method: 'GET', path: '/workflows/ORDER/instances/parked', body: undefined },
];

async function expectRefused(headers: (request: { method: string; path: string; text: string | undefined }) => Record<string, string>) {
  const before = await snapshot();
  for (const attempt of attempts()) {
    const text = attempt.body === undefined ? undefined : JSON.stringify(attempt.body);
    const response = await fetch(`${stack.serviceUrl}${attempt.path}`, {
      method: attempt.method,
      headers: { 'content-type': 'application/json', ...headers({ method: attempt.method, path: attempt.path, text }) },
      body: text,
    });
    expect(response.status, `${attempt.method} ${attempt.path}`).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await response.json()) as any).error.code).toBe('unauthenticated');
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await snapshot()).toEqual(before);
}

const token = (claims: Record<string, unknown>) => stack.signer.sign({ aud: stack.serviceUrl, email: TASKS_SA, email_verified: true, ...claims });

describe('authentication of the Cloud Run handler', () => {
  it('lets a valid Google-signed token and a valid HMAC signature in (control)', async () => {
    expect((await stack.callWithToken('POST', '/_cairn/sweep', undefined, TASKS_SA)).status).toBe(200);
    expect((await stack.call('GET', '/workflows/ORDER/instances/parked')).status).toBe(200);
  });

  it("keeps the schedulers' tokens to the wake and sweep endpoints: the REST API answers 403", async () => {
    const before = await snapshot();
    for (const route of attempts().filter((one) => !one.path.startsWith('/_cairn'))) {
      const response = await stack.callWithToken(route.method, route.path, route.body, TASKS_SA);
      expect(response.status, `${route.method} ${route.path}`).toBe(403);
      expect(response.body.error.code).toBe('forbidden');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses requests without credentials', async () => {
    await expectRefused(() => ({}));
  });

  it('refuses malformed Authorization headers', async () => {
    await expectRefused(() => ({ authorization: 'Bearer not-a-jwt' }));
    await expectRefused(() => ({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }));
    await expectRefused(() => ({ authorization: `Bearer ${token({}).split('.').slice(0, 2).join('.')}.` }));
  });

  it('refuses expired tokens', async () => {
    // Past google-auth-library's 5-minute clock-skew allowance.
    await expectRefused(() => ({ authorization: `Bearer ${token({ iat: now() - 7200, exp: now() - 3600 })}` }));
  });

  it('refuses tokens for another audience', async () => {
    await expectRefused(() => ({ authorization: `Bearer ${token({ aud: 'https://another-service-xyz-uc.a.run.app' })}` }));
  });

  it('refuses tokens signed by another key, even under the right key id', async () => {
    const forger = createOidcSigner();
    await expectRefused(() => ({
      authorization: `Bearer ${forger.sign({ aud: stack.serviceUrl, email: TASKS_SA, email_verified: true }, { kid: stack.signer.kid })}`,
    }));
    await expectRefused(() => ({ authorization: `Bearer ${forger.sign({ aud: stack.serviceUrl, email: TASKS_SA, email_verified: true })}` }));
  });

  it('refuses tokens from another issuer, and from service accounts that are not allowed', async () => {
    await expectRefused(() => ({ authorization: `Bearer ${token({ iss: 'https://issuer.example.com' })}` }));
    await expectRefused(() => ({ authorization: `Bearer ${token({ email: 'someone@demo-cairn.iam.gserviceaccount.com' })}` }));
    await expectRefused(() => ({ authorization: `Bearer ${token({ email_verified: false })}` }));
  });

  it('refuses bad HMAC signatures: wrong secret, tampered body or path, stale timestamp, malformed', async () => {
    await expectRefused(({ method, path, text }) => signRequest({ secret: 'another-secret-0123456789abcdef0123456789', method, url: path, body: text }));
    await expectRefused(({ method, path, text }) => signRequest({ secret: HMAC_SECRET, method, url: path, body: `${text ?? ''} ` }));
    await expectRefused(({ method, text }) => signRequest({ secret: HMAC_SECRET, method, url: '/workflows/ORDER/instances/other', body: text }));
    await expectRefused(({ method, path, text }) => signRequest({ secret: HMAC_SECRET, method, url: path, body: text, timestamp: Date.now() - 10 * 60_000 }));
    await expectRefused(({ method, path, text }) => ({
      ...signRequest({ secret: HMAC_SECRET, method, url: path, body: text }),
      'x-cairn-signature': 'v1=abc',
    }));
    // The nonce is signed: another nonce with the same signature fails.
    await expectRefused(({ method, path, text }) => ({
      ...signRequest({ secret: HMAC_SECRET, method, url: path, body: text }),
      'x-cairn-nonce': 'AAAAAAAAAAAAAAAAAAAAAA',
    }));
    await expectRefused(({ method, path, text }) => {
      const { 'x-cairn-nonce': _nonce, ...rest } = signRequest({ secret: HMAC_SECRET, method, url: path, body: text });
      return rest;
    });
  });

  it('refuses a replayed HMAC-signed request', async () => {
    const headers = signRequest({ secret: HMAC_SECRET, method: 'GET', url: '/workflows/ORDER/instances/parked' });
    const first = await fetch(`${stack.serviceUrl}/workflows/ORDER/instances/parked`, { headers });
    expect(first.status).toBe(200);
    const second = await fetch(`${stack.serviceUrl}/workflows/ORDER/instances/parked`, { headers });
    expect(second.status).toBe(401);
  });
});
