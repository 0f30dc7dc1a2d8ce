// The host entry for a wake message (an EventBridge schedule, a Cloud Tasks request, an async invoke, an
// in-process timer): every decision a host used to make is made here, once. In order:
//   unknown workflow -> UnknownWorkflowError;  no instance -> not_found;  finished or paused -> its status;
//   an older wake sequence than the instance's (every change that bumps it schedules its own) -> stale;
//   early: a short way early waits in process (within `earlyWaitMs`), further is re-armed and returns at once;
//   otherwise the replay runs with the budget's deadline and in-process wait limit.

import { UnknownWorkflowError } from '../errors.js';
import type { ReplayReport } from '../engine/settings.js';
import type { WakeMessage } from '../http/messages.js';
import { FINISHED_STATUSES, type InstanceStatusName } from '../records.js';
import { sleepFor, type Clock } from '../clock.js';
import type { ReplayOptions } from '../engine/replay.js';
import type { Scheduler } from '../scheduler.js';
import type { InstanceRef, WorkflowStore } from '../store.js';
import { deadlineOf, inProcessWaitWithin, type HostBudget } from './budget.js';
import { ATTR } from '../telemetry/attributes.js';
import type { RuntimeTelemetry } from '../telemetry/types.js';

/** What handling a wake needs of a runtime (a Runtime is one). */
export interface WakeHost {
  readonly store: WorkflowStore;
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly workflowNames: readonly string[];
  replay(ref: InstanceRef, options?: ReplayOptions): Promise<ReplayReport>;
}

export interface WakeBudget extends HostBudget {
  /** Sleeps and retry delays up to this long wait in process (never past the deadline); 'remaining': whatever fits. @default the runtime's */
  maxInProcessWaitMs?: number | 'remaining';
  /** A wake-up delivered at most this early waits in process for its time; earlier ones are re-armed. @default 0 */
  earlyWaitMs?: number;
  /** Names the host in telemetry (the `cairn.host` attribute of its `cairn.wake` span): lambda, cloud-run, ... */
  host?: string;
}

export interface WakeResult {
  /** The replay's outcome, or: stale (an older wake-up, nothing done), early (re-armed for its time, nothing done). */
  outcome: ReplayReport['outcome'] | 'stale' | 'early';
  status: InstanceStatusName | null;
  wakeAt: number | null;
}

export async function handleWake(host: WakeHost, message: WakeMessage, budget: WakeBudget, telemetry?: RuntimeTelemetry): Promise<WakeResult> {
  if (!host.workflowNames.includes(message.workflowName)) throw new UnknownWorkflowError(message.workflowName, host.workflowNames);
  if (!telemetry) return wake(host, message, budget);
  // The host's span joins the instance's trace (carried in the message), and the replay within it.
  const attributes = { [ATTR.workflow]: message.workflowName, [ATTR.instance]: message.instanceId, [ATTR.host]: budget.host ?? 'unnamed' };
  return telemetry.hostWork('cairn.wake', message.trace, attributes, () => wake(host, message, budget));
}

async function wake(host: WakeHost, message: WakeMessage, budget: WakeBudget): Promise<WakeResult> {
  const deadline = deadlineOf(budget, host.clock.now());
  const ref = { workflowName: message.workflowName, instanceId: message.instanceId };
  const instance = await host.store.getInstance(ref);
  if (!instance) return { outcome: 'not_found', status: null, wakeAt: null };
  if (FINISHED_STATUSES.has(instance.status))
    return { outcome: instance.status as 'complete' | 'errored' | 'terminated', status: instance.status, wakeAt: null };
  if (instance.status === 'paused') return { outcome: 'paused', status: 'paused', wakeAt: null };
  // A wake-up of a deleted instance whose id was used again, or an older one of this instance: dropped.
  const otherIncarnation = message.incarnation !== undefined && instance.incarnation !== undefined && message.incarnation !== instance.incarnation;
  if (otherIncarnation || (message.wakeSeq >= 0 && instance.wakeSeq > message.wakeSeq))
    return { outcome: 'stale', status: instance.status, wakeAt: instance.wakeAt };
  const early = message.wakeAt - host.clock.now();
  if (early > 0) {
    if (early > (budget.earlyWaitMs ?? 0) || message.wakeAt >= deadline) {
      await host.scheduler.schedule({
        ...ref,
        wakeAt: message.wakeAt,
        wakeSeq: message.wakeSeq,
        ...(instance.incarnation ? { incarnation: instance.incarnation } : {}),
        ...(instance.trace ? { trace: instance.trace } : {}),
      });
      return { outcome: 'early', status: instance.status, wakeAt: message.wakeAt };
    }
    await sleepFor(host.clock, early);
  }
  const maxInProcessWaitMs = inProcessWaitWithin(budget.maxInProcessWaitMs, deadline, host.clock.now());
  const report = await host.replay(ref, maxInProcessWaitMs === undefined ? { deadline } : { deadline, maxInProcessWaitMs });
  return { outcome: report.outcome, status: report.status, wakeAt: report.wakeAt };
}
