// createCloudTasksScheduler: each wake-up is a named HTTP task that POSTs the wake message to the
// Cloud Run host at `scheduleTime`, with an OIDC token for the service.

import { z } from 'zod';
import { AdapterError, systemClock, wakeMessage, type Scheduler, type WakeRequest } from '@cairn/core';
import { CLOUD_TASKS_MAX_AHEAD_MS, OptionsSchema, type CloudTasksSchedulerOptions } from './options.js';
import { wakeTaskId } from './task-id.js';

const ADAPTER = 'cloud-tasks';
/** gRPC status codes, as google-gax reports them on `error.code`. */
const ALREADY_EXISTS = 6;
const RETRYABLE = new Set([4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);

export function createCloudTasksScheduler(options: CloudTasksSchedulerOptions): Scheduler {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AdapterError(ADAPTER, 'createCloudTasksScheduler', z.prettifyError(parsed.error).replace(/\n/g, '; '), {
      cause: parsed.error,
      code: 'scheduler_error',
      option: issue?.path.join('.') || undefined,
    });
  }
  const { client, queue, url, serviceAccountEmail, dispatchDeadlineSeconds } = parsed.data;
  const audience = parsed.data.audience ?? new URL(url).origin;
  const maxAheadMs = parsed.data.maxScheduleAheadMs ?? CLOUD_TASKS_MAX_AHEAD_MS - 60 * 60 * 1000;
  const maxAttempts = parsed.data.maxAttempts ?? 3;
  const clock = options.clock ?? systemClock;

  const createTask = async (wake: Readonly<WakeRequest>): Promise<void> => {
    const now = clock.now();
    // Past Cloud Tasks' horizon the task fires early; the replay finds the wake-up not yet due and
    // schedules it again (same wakeSeq), which creates the next link of the chain. `link` counts the
    // links still to come after this one: it drops by at least one per link, so each link has its own
    // task name, while a retried call (same moment, give or take) names the same task.
    const at = Math.min(wake.wakeAt, now + maxAheadMs);
    const link = at < wake.wakeAt ? Math.ceil((wake.wakeAt - now) / maxAheadMs) - 1 : 0;
    const body = Buffer.from(JSON.stringify(wakeMessage(wake)));
    const request = {
      parent: queue,
      task: {
        name: `${queue}/tasks/${wakeTaskId(wake.workflowName, wake.instanceId, wake.wakeSeq, link)}`,
        // Omitted for "now": Cloud Tasks dispatches at once.
        ...(at > now ? { scheduleTime: { seconds: Math.floor(at / 1000), nanos: (at % 1000) * 1_000_000 } } : {}),
        ...(dispatchDeadlineSeconds ? { dispatchDeadline: { seconds: dispatchDeadlineSeconds } } : {}),
        httpRequest: {
          url,
          httpMethod: 'POST' as const,
          headers: { 'Content-Type': 'application/json' },
          body,
          ...(serviceAccountEmail ? { oidcToken: { serviceAccountEmail, audience } } : {}),
        },
      },
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await client.createTask(request);
        return;
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (code === ALREADY_EXISTS) return; // this wake-up was scheduled already (a retried call)
        if (attempt < maxAttempts && typeof code === 'number' && RETRYABLE.has(code)) {
          await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** (attempt - 1)));
          continue;
        }
        const message = error instanceof Error ? error.message : String(error);
        throw new AdapterError(ADAPTER, 'createTask', `${wake.workflowName}/${wake.instanceId} (wakeSeq ${wake.wakeSeq}): ${message}`, {
          cause: error,
          code: 'scheduler_error',
        });
      }
    }
  };

  return {
    name: ADAPTER,
    schedule: createTask,
  };
}
