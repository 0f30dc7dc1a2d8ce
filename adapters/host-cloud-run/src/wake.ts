// The wake endpoint: one Cloud Tasks delivery -> one replay, answered so Cloud Tasks retries what must be retried.

import { CairnError, WakeMessageSchema, type InstanceRef } from '@cairn/core';
import type { HostRuntime } from './options.js';
import { json, problem } from './responses.js';

export async function handleWake(
  runtime: HostRuntime,
  body: Uint8Array,
  deadline: number,
  onError: (error: unknown) => void,
  maxInProcessWaitLimitMs?: number,
): Promise<Response> {
  let message: unknown;
  try {
    message = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return problem(400, 'invalid_json', 'The request body is not valid JSON');
  }
  const parsed = WakeMessageSchema.safeParse(message);
  if (!parsed.success) return problem(400, 'invalid_wake', 'Expected a wake message { kind: "cairn.wake", workflowName, instanceId, wakeSeq, wakeAt }');
  const wake = parsed.data;
  if (!runtime.workflowNames.includes(wake.workflowName)) {
    return problem(404, 'unknown_workflow', `No workflow is bound as "${wake.workflowName}"`);
  }
  const ref: InstanceRef = { workflowName: wake.workflowName, instanceId: wake.instanceId };
  try {
    if (wake.wakeSeq >= 0) {
      // Every change that bumps wakeSeq schedules its own wake-up, so an older one is a duplicate
      // delivery (Cloud Tasks is at-least-once): answer it without a replay.
      const instance = await runtime.store.getInstance(ref);
      if (!instance) return json(200, { outcome: 'not_found' });
      if (instance.wakeSeq > wake.wakeSeq) return json(200, { outcome: 'stale', status: instance.status });
    }
    // Short sleeps and retry delays that fit before the deadline wait in this request (Cloud Tasks round trips
    // cost more than a few seconds of waiting); longer ones suspend and become tasks.
    const waits =
      maxInProcessWaitLimitMs === undefined ? {} : { maxInProcessWaitMs: Math.min(maxInProcessWaitLimitMs, Math.max(0, deadline - Date.now())) };
    const report = await runtime.replay(ref, { deadline, ...waits });
    if (report.outcome === 'busy') {
      // Another runner holds the lease: ask Cloud Tasks to come back, in case that runner dies.
      const seconds = Math.max(1, Math.ceil(((report.wakeAt ?? Date.now()) - Date.now()) / 1000));
      return problem(503, 'instance_busy', 'Another runner holds this instance; retry later', { 'retry-after': String(seconds) });
    }
    return json(200, { outcome: report.outcome, status: report.status, wakeAt: report.wakeAt });
  } catch (error) {
    // A store failure: nothing was lost (the instance is due again); a non-2xx makes Cloud Tasks retry.
    onError(error);
    const code = CairnError.is(error) ? error.code : 'internal_error';
    return problem(500, code, 'The replay failed; Cloud Tasks will retry');
  }
}
