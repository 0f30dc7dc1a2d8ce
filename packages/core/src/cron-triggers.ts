// Cron-triggered instances (wrangler's `workflows[].schedules`). Each fire time of each expression is one
// instance with a deterministic id (`cron-<hash of the expression>-<scheduledTime>`), so any number of hosts
// may fire it (an in-process timer, every sweeper tick) and only the first create wins. A tick fires every
// time missed within `lookbackMs`, so a host that was frozen or scaled to zero catches up.

import type { Clock } from './clock.js';
import { cronTimesBetween, nextCronTime, type CronSchedule } from './cron.js';
import { CairnError } from './errors.js';
import { refKey } from './shared/refs.js';
import { CRON_LOOKBACK_MS } from './shared/intervals.js';

/** What `event.schedule` holds for an instance a cron schedule created (Cloudflare's shape). */
export interface WorkflowCronSchedule {
  cron: string;
  /** The fire time (epoch ms), not when the instance was created. */
  scheduledTime: number;
}

const CRON_ID = /^cron-([0-9a-z]+)-(\d+)$/;

/** FNV-1a, base 36: a short, stable name for an expression. */
function hashOf(expression: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < expression.length; i++) hash = Math.imul(hash ^ expression.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(36);
}

function cronInstanceId(schedule: CronSchedule, scheduledTime: number): string {
  return `cron-${hashOf(schedule.expression)}-${scheduledTime}`;
}

/** The schedule an instance was created by, from its id; undefined for any other instance. */
export function cronScheduleOf(schedules: readonly CronSchedule[] | undefined, instanceId: string): WorkflowCronSchedule | undefined {
  const match = schedules && CRON_ID.exec(instanceId);
  if (!match) return undefined;
  const schedule = schedules.find((candidate) => hashOf(candidate.expression) === match[1]);
  return schedule ? { cron: schedule.expression, scheduledTime: Number(match[2]) } : undefined;
}

export interface CronWorkflow {
  workflowName: string;
  schedules: readonly CronSchedule[];
  /** Creates the instance (params `{}`); rejects with InstanceAlreadyExistsError if it exists. */
  create(instanceId: string): Promise<unknown>;
}

export interface CronTriggers {
  /** Creates the instance of every fire time in (now - lookbackMs, now] not created yet; resolves to how many it created. */
  fire(now: number, lookbackMs?: number): Promise<number>;
  /** Fires at each next fire time, in process, until `stop()`. */
  start(): void;
  stop(): void;
}

export function createCronTriggers(
  workflows: readonly CronWorkflow[],
  clock: Clock,
  onError: (error: unknown, context: { workflowName: string; instanceId: string; operation: string }) => void,
): CronTriggers {
  // Fire times already created (here or elsewhere), so that later ticks skip them: key -> fire time.
  const fired = new Map<string, number>();
  let cancel: (() => void) | undefined;
  let stopped = true;

  const fire = async (now: number, lookbackMs = CRON_LOOKBACK_MS): Promise<number> => {
    for (const [key, time] of fired) if (time <= now - lookbackMs) fired.delete(key);
    let created = 0;
    for (const workflow of workflows) {
      for (const schedule of workflow.schedules) {
        for (const time of cronTimesBetween(schedule, now - lookbackMs, now, 1_000)) {
          const instanceId = cronInstanceId(schedule, time);
          const key = refKey({ workflowName: workflow.workflowName, instanceId });
          if (fired.has(key)) continue;
          try {
            await workflow.create(instanceId);
            created++;
            fired.set(key, time);
          } catch (error) {
            if (CairnError.is(error, 'instance_already_exists')) fired.set(key, time);
            else onError(error, { workflowName: workflow.workflowName, instanceId, operation: 'cron' });
          }
        }
      }
    }
    return created;
  };

  const arm = () => {
    if (stopped) return;
    const now = clock.now();
    let next: number | null = null;
    for (const workflow of workflows) {
      for (const schedule of workflow.schedules) {
        const at = nextCronTime(schedule, now);
        if (at !== null && (next === null || at < next)) next = at;
      }
    }
    if (next === null) return;
    cancel = clock.setTimer(() => {
      cancel = undefined;
      void fire(clock.now())
        .catch(() => undefined)
        .finally(arm);
    }, next - now);
  };

  return {
    fire,
    start() {
      if (!stopped) return;
      stopped = false;
      arm();
    },
    stop() {
      stopped = true;
      cancel?.();
      cancel = undefined;
    },
  };
}
