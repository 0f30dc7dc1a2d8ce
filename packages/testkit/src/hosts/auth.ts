// Hosts that authenticate: every forged credential is refused (401/403) on every route, and changes nothing.

import { expect, it } from 'vitest';
import type { HostRequest } from './harness.js';
import { freshId, storeSnapshot, type HostSuiteContext } from './context.js';

export function authTests(ctx: HostSuiteContext): void {
  it('refuses every forged credential on every route, and nothing changes', async () => {
    const { harness } = ctx;
    const request = harness.request!;
    const id = freshId('guarded');
    expect((await request({ method: 'POST', path: '/workflows/SLEEPER/instances', body: { id } })).status).toBe(201);
    const before = await storeSnapshot(harness.runtime.store);
    const attempts: HostRequest[] = [
      { method: 'POST', path: '/workflows/SLEEPER/instances', body: { id: freshId('intruder') } },
      { method: 'GET', path: `/workflows/SLEEPER/instances/${id}` },
      { method: 'POST', path: `/workflows/SLEEPER/instances/${id}/terminate` },
      { method: 'POST', path: `/workflows/SLEEPER/instances/${id}/events`, body: { type: 'go' } },
      { method: 'DELETE', path: `/workflows/SLEEPER/instances/${id}` },
      { method: 'POST', path: '/_cairn/wake', body: { kind: 'cairn.wake', workflowName: 'SLEEPER', instanceId: id, wakeSeq: 0, wakeAt: 0 } },
      { method: 'POST', path: '/_cairn/sweep' },
      { method: 'GET', path: '/cdn-cgi/local/explorer/api/workflows/SLEEPER/instances' },
      { method: 'GET', path: `/cdn-cgi/local/explorer/api/workflows/SLEEPER/instances/${id}` },
      { method: 'PATCH', path: `/cdn-cgi/local/explorer/api/workflows/SLEEPER/instances/${id}/status`, body: { action: 'terminate' } },
    ];
    for (const forged of harness.forged!) {
      for (const attempt of attempts) {
        const answer = await forged.send(attempt);
        expect([401, 403], `${forged.name}: ${attempt.method} ${attempt.path} answered ${answer.status}`).toContain(answer.status);
        expect(answer.body?.error?.code).toEqual(expect.any(String));
      }
    }
    expect(await storeSnapshot(harness.runtime.store)).toEqual(before);
  });
}
