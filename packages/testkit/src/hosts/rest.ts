// The REST routes a host serves: status codes and Cairn's error body for what callers get right and wrong.

import { expect, it } from 'vitest';
import { freshId, type HostSuiteContext } from './context.js';
import type { HttpAnswer } from './harness.js';

function expectProblem(answer: HttpAnswer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.body).toEqual({ error: { code, name: expect.any(String), message: expect.any(String) } });
}

export function restTests(ctx: HostSuiteContext): void {
  it('creates (201), reads (200) and terminates (202) an instance; a duplicate is 409', async () => {
    const request = ctx.harness.request!;
    const id = freshId('rest');
    const created = await request({ method: 'POST', path: '/workflows/SLEEPER/instances', body: { id } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id, status: 'queued' });
    const read = await request({ method: 'GET', path: `/workflows/SLEEPER/instances/${id}` });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id, status: 'queued' });
    expectProblem(await request({ method: 'POST', path: '/workflows/SLEEPER/instances', body: { id } }), 409, 'instance_already_exists');
    expect((await request({ method: 'POST', path: `/workflows/SLEEPER/instances/${id}/terminate` })).status).toBe(202);
    expectProblem(await request({ method: 'POST', path: `/workflows/SLEEPER/instances/${id}/terminate` }), 409, 'instance_cannot_terminate');
  });

  it('answers caller mistakes with a 4xx and a typed body', async () => {
    const request = ctx.harness.request!;
    expectProblem(await request({ method: 'GET', path: '/workflows/NOT_BOUND/instances/x' }), 404, 'unknown_workflow');
    expectProblem(await request({ method: 'GET', path: `/workflows/QUICK/instances/${freshId('missing')}` }), 404, 'instance_not_found');
    expectProblem(await request({ method: 'POST', path: '/workflows/QUICK/instances', body: { id: 'not valid!' } }), 400, 'invalid_input');
    expectProblem(await request({ method: 'POST', path: '/workflows/QUICK/instances', body: '{"id": ' }), 400, 'invalid_json');
    expectProblem(
      await request({ method: 'POST', path: `/workflows/QUICK/instances/${freshId('ev')}/events`, body: { type: 'go' } }),
      404,
      'instance_not_found',
    );
    expectProblem(await request({ method: 'GET', path: '/nothing/here' }), 404, 'route_not_found');
    const wrongMethod = await request({ method: 'PUT', path: '/workflows/QUICK/instances' });
    expectProblem(wrongMethod, 405, 'method_not_allowed');
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it("serves Cloudflare's explorer API for inspection: workflows with counts, paged instance lists, details with steps", async () => {
    const request = ctx.harness.request!;
    const base = '/cdn-cgi/local/explorer/api/workflows';
    const id = freshId('inspect');
    expect((await request({ method: 'POST', path: '/workflows/SLEEPER/instances', body: { id } })).status).toBe(201);
    const workflows = await request({ method: 'GET', path: base });
    expect(workflows.status).toBe(200);
    expect(workflows.body.result.map((w: { name: string }) => w.name)).toEqual(expect.arrayContaining(['SLEEPER', 'QUICK']));
    const counts = await request({ method: 'GET', path: `${base}/SLEEPER` });
    expect(counts.body.result.instances.queued).toBeGreaterThanOrEqual(1);
    const listed = await request({ method: 'GET', path: `${base}/SLEEPER/instances?status=queued&per_page=100` });
    expect(listed.status).toBe(200);
    expect(listed.body.result.map((i: { id: string }) => i.id)).toContain(id);
    expect(listed.body.result_info).toMatchObject({ page: 1, per_page: 100, total_count: expect.any(Number) });
    const details = await request({ method: 'GET', path: `${base}/SLEEPER/instances/${id}` });
    expect(details.body.result).toMatchObject({ status: 'queued', steps: [], step_count: 0, queued: expect.any(String) });
    const missing = await request({ method: 'GET', path: `${base}/SLEEPER/instances/${freshId('missing')}` });
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0].code).toBe(10501);
  });
}
