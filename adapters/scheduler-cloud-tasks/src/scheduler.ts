// createCloudTasksScheduler: each wake-up is a named HTTP task that POSTs the wake message to the
// Cloud Run host at `scheduleTime`, with an OIDC token for the service.

import { AdapterError, parseOptions, systemClock, wakeMessage, withRetries, type Scheduler, type WakeRequest } from '@cairn/core';
import { CLOUD_TASKS_MAX_AHEAD_MS, OptionsSchema, type CloudTasksSchedulerOptions } from './options.js';
import { wakeTaskId } from './task-id.js';

const ADAPTER = 'cloud-tasks';
/** gRPC status codes, as google-gax reports them on `error.code`. */
const ALREADY_EXISTS = 6;
const RETRYABLE = new Set([4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);

export function createCloudTasksScheduler(options: CloudTasksSchedulerOptions): Scheduler {
  const parsed = parseOptions(OptionsSchema, options, { adapter: ADAPTER, factory: 'createCloudTasksScheduler' });
  const { client, queue, url, serviceAccountEmail, dispatchDeadlineSeconds } = parsed;
  const audience = parsed.audience ?? new URL(url).origin;
  const maxAheadMs = parsed.maxScheduleAheadMs ?? CLOUD_TASKS_MAX_AHEAD_MS - 60 * 60 * 1000;
  const maxAttempts = parsed.maxAttempts ?? 3;
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
        name: `${queue}/tasks/${wakeTaskId(wake.workflowName, wake.instanceId, wake.wakeSeq, link, wake.incarnation)}`,
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
    const codeOf = (error: unknown) => (error as { code?: unknown } | null)?.code;
    try {
      await withRetries({ maxAttempts, baseMs: 100, clock, retryable: (error) => RETRYABLE.has(codeOf(error) as number) }, async () => {
        try {
          await client.createTask(request);
        } catch (error) {
          if (codeOf(error) !== ALREADY_EXISTS) throw error; // this wake-up was scheduled already (a retried call)
        }
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new AdapterError(ADAPTER, 'createTask', `${wake.workflowName}/${wake.instanceId} (wakeSeq ${wake.wakeSeq}): ${message}`, {
        cause: error,
        code: 'scheduler_error',
      });
    }
  };

  return {
    name: ADAPTER,
    schedule: createTask,
  };
}
