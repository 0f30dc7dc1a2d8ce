// What a replay writes when it ends: the instance patch for a suspension (every live branch blocked) or a
// finish (run() returned or threw, or the instance was terminated), decided from the replay's state alone.

import { summarizeError } from '../error-codec.js';
import { expiryOf, type InstanceError, type InstanceRecord, type InstanceStatusName, type RollbackSummary } from '../records.js';
import type { InstancePatch } from '../store.js';
import type { Blocker, BlockReason } from './branches.js';
import { terminatedError } from './termination.js';

export interface SuspensionPlan {
  patch: InstancePatch;
  outcome: 'paused' | 'continue' | 'suspended';
  status: InstanceStatusName;
  wakeAt: number | null;
  reason: BlockReason;
}

/** The earliest wake-up of the blocked branches; a deadline means "due now, replay again"; a pause holds none. */
export function planSuspension(blockers: Iterable<Blocker>, pausing: boolean, instance: InstanceRecord, now: number): SuspensionPlan {
  let wakeAt: number | null = null;
  let reason: BlockReason = 'pause';
  let deadlineHit = false;
  for (const blocker of blockers) {
    if (blocker.reason === 'deadline') deadlineHit = true;
    if (blocker.reason === 'pause') continue;
    if (blocker.wakeAt !== null && (wakeAt === null || blocker.wakeAt < wakeAt)) {
      wakeAt = blocker.wakeAt;
      reason = blocker.reason;
    }
  }
  if (deadlineHit && !pausing) {
    wakeAt = now;
    reason = 'deadline';
  }
  const status: InstanceStatusName = pausing ? 'paused' : deadlineHit ? 'running' : 'waiting';
  const patch: InstancePatch = {
    status,
    leaseOwner: null,
    leaseExpiresAt: null,
    wakeAt: pausing ? null : wakeAt,
    wakeSeq: instance.wakeSeq + 1,
    updatedAt: now,
  };
  if (pausing) patch.pausedAt = now;
  return {
    patch,
    outcome: pausing ? 'paused' : deadlineHit ? 'continue' : 'suspended',
    status,
    wakeAt: pausing ? null : wakeAt,
    reason,
  };
}

export type FinishResult = { output: string; value: unknown } | { error: InstanceError } | { terminated: true; rollback: RollbackSummary | undefined };

export function finishStatus(result: FinishResult): 'complete' | 'errored' | 'terminated' {
  return 'output' in result ? 'complete' : 'error' in result ? 'errored' : 'terminated';
}

/** The finished instance: output or error (a terminated one keeps an error only for its rollback summary), lease and wake-up cleared. */
export function finishPatch(result: FinishResult, instance: InstanceRecord, now: number, retentionMs: number | null): InstancePatch {
  const status = finishStatus(result);
  let error: InstanceError | null = null;
  if ('error' in result) error = result.error;
  else if ('terminated' in result && result.rollback) error = { ...summarizeError(terminatedError()), rollback: result.rollback };
  return {
    status,
    output: 'output' in result ? result.output : null,
    error,
    leaseOwner: null,
    leaseExpiresAt: null,
    wakeAt: null,
    finishedAt: now,
    updatedAt: now,
    expiresAt: expiryOf(instance, status, now, retentionMs),
  };
}
