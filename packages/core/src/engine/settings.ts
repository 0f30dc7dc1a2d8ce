// What a runtime gives every replay (EngineSettings), the test hook that replaces step attempts, and what a
// replay reports back to the host (ReplayReport).

import type { Clock } from '../clock.js';
import type { WorkflowCronSchedule } from '../cron-triggers.js';
import type { InstanceError, InstanceStatusName, StepRecord } from '../records.js';
import type { Scheduler } from '../scheduler.js';
import type { InstanceRef, WorkflowStore } from '../store.js';
import type { BlockReason } from './branches.js';
import type { Heartbeat } from './heartbeat.js';
import type { LogSink } from '../logging/logger.js';
import type { EngineTelemetry } from '../telemetry/types.js';

export interface EngineSettings {
  store: WorkflowStore;
  scheduler: Scheduler;
  clock: Clock;
  /** Names this runner in leases; unique per process. */
  owner: string;
  leaseMs: number;
  /** Waits (sleeps, retry delays) at most this long stay in process; longer ones suspend. */
  maxInProcessWaitMs: number;
  stepLimit: number;
  /** Finished instances expire after this long (sets `expiresAt`), or never when null. */
  retentionMs: number | null;
  /** Test hook (see @cairn/testkit): replaces a step attempt's callback with a result, an error or a timeout. */
  stepOverride?: StepOverrideHook;
  /** Renews the leases of every replay of the runtime (see heartbeat.ts). */
  heartbeat: Heartbeat;
  /** The workflow's concurrency limit (`workflows[].concurrency.limit`), if it has one. */
  concurrencyOf?: (workflowName: string) => number | undefined;
  /** Told when this runtime gives a concurrency slot back (so that an instance turned away here can run now). */
  onSlotFreed?: (workflowName: string) => void;
  /** The cron schedule an instance was created by (its `event.schedule`), if any. */
  cronScheduleOf?: (ref: InstanceRef) => WorkflowCronSchedule | undefined;
  /** Where workflow code's `this.logger` writes. */
  workflowLogSink?: LogSink;
  /** Told of every replay's report and when it started (the onReplay hook). */
  onReplayed?: (ref: InstanceRef, report: ReplayReport, startedAt: number) => void;
  /** Told when a sleep ends, once (by the replay that passes it with no later step recorded): the onStepEnd hook. */
  onSleepEnd?: (ref: InstanceRef, start: StepRecord, endedAt: number) => void;
  /** Told when the determinism guard parks an instance (the runtime reports it through onError). */
  onNonDeterminism?: (ref: InstanceRef, error: Error) => void;
  /** The workflow's own name (`workflows[].name`) where it differs from its binding name: `event.workflowName`. */
  workflowNameOf?: (bindingName: string) => string | undefined;
  /** OpenTelemetry spans and metrics (createRuntime's `telemetry`), when on. */
  telemetry?: EngineTelemetry;
}

export interface StepAttemptInfo {
  workflowName: string;
  instanceId: string;
  name: string;
  count: number;
  attempt: number;
}

export type StepOverride = { value: unknown } | { error: unknown } | { timeout: true };
export type StepOverrideHook = (step: StepAttemptInfo) => StepOverride | undefined;

export interface ReplayReport {
  /**
   * complete / errored / terminated / paused: the instance's state now. suspended: blocked until `wakeAt`
   * (already scheduled). continue: the deadline came with work left; replay again at once. busy: another
   * runner holds the lease until `wakeAt`. lease_lost: another runner or a control operation took over.
   * not_found: no such instance.
   */
  outcome: 'complete' | 'errored' | 'terminated' | 'paused' | 'suspended' | 'continue' | 'busy' | 'lease_lost' | 'not_found';
  status: InstanceStatusName | null;
  wakeAt: number | null;
  reason?: BlockReason;
  output?: unknown;
  error?: InstanceError;
}
