// Options of createCloudTasksScheduler, validated once.

import { z } from 'zod';
import type { Clock } from '@cairn/core';
import type { CloudTasksClient } from '@google-cloud/tasks';

/** The one client method the scheduler calls. */
export type CloudTasksLike = Pick<CloudTasksClient, 'createTask'>;

const DAY_MS = 24 * 60 * 60 * 1000;
/** Cloud Tasks refuses a scheduleTime more than 720 hours ahead. */
export const CLOUD_TASKS_MAX_AHEAD_MS = 30 * DAY_MS;

export interface CloudTasksSchedulerOptions {
  /** A `CloudTasksClient` from `@google-cloud/tasks` (created and configured by you). */
  client: CloudTasksLike;
  /** The queue's full path: `projects/P/locations/L/queues/Q`. It must exist. */
  queue: string;
  /** The Cloud Run wake endpoint, e.g. `https://orders-abc-uc.a.run.app/_cairn/wake`. */
  url: string;
  /**
   * The service account Cloud Tasks signs OIDC tokens as (it needs roles/run.invoker on the service).
   * @default none: tasks carry no token (only for services that authenticate otherwise)
   */
  serviceAccountEmail?: string;
  /** The token's audience. @default the origin of `url` (the Cloud Run service URL) */
  audience?: string;
  /**
   * How far ahead a task may be scheduled; later wake-ups arrive early and the instance re-suspends.
   * @default 30 days minus 1 hour (Cloud Tasks' 720h limit, with room for clock skew)
   */
  maxScheduleAheadMs?: number;
  /** Cloud Tasks' dispatch deadline for each request, in seconds (15 to 1800). @default Cloud Tasks' (600) */
  dispatchDeadlineSeconds?: number;
  /** Attempts of one CreateTask call on UNAVAILABLE / DEADLINE_EXCEEDED (safe: the task name de-duplicates). @default 3 */
  maxAttempts?: number;
  /** @default the system clock */
  clock?: Clock;
}

const QUEUE_PATH = /^projects\/[A-Za-z0-9.:-]+\/locations\/[A-Za-z0-9-]+\/queues\/[A-Za-z0-9-]{1,100}$/;

export const OptionsSchema = z.object({
  client: z.custom<CloudTasksLike>(
    (value) => typeof value === 'object' && value !== null && typeof (value as CloudTasksLike).createTask === 'function',
    'a CloudTasksClient',
  ),
  queue: z.string().regex(QUEUE_PATH, 'projects/PROJECT/locations/LOCATION/queues/QUEUE'),
  url: z.url({ protocol: /^https?$/ }),
  serviceAccountEmail: z.email().optional(),
  audience: z.string().min(1).optional(),
  maxScheduleAheadMs: z.number().int().min(1).max(CLOUD_TASKS_MAX_AHEAD_MS).optional(),
  dispatchDeadlineSeconds: z.number().int().min(15).max(1800).optional(),
  maxAttempts: z.number().int().min(1).max(10).optional(),
  clock: z.custom<Clock>((value) => typeof value === 'object' && value !== null && typeof (value as Clock).now === 'function', 'a Clock').optional(),
});
