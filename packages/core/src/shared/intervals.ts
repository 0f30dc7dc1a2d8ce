// Intervals and margins the engine and hosts share, named once.

/** Default lease length: a runner that dies holds an instance at most this long. */
export const DEFAULT_LEASE_MS = 30_000;
/** Default longest wait (sleep, retry delay) kept in process; longer ones suspend the instance. */
export const DEFAULT_MAX_IN_PROCESS_WAIT_MS = 1_000;
/** Instances a sweep replays (or fans out) per tick. */
export const DEFAULT_SWEEP_LIMIT = 100;
/** How far back a sweep fires cron schedules that came due while nothing ran. */
export const CRON_LOOKBACK_MS = 10 * 60_000;
/** A host stops starting work this share of its budget before the end, ... */
export const DEADLINE_MARGIN_SHARE = 0.2;
/** ... at most this long before it. */
export const MAX_DEADLINE_MARGIN_MS = 10_000;
/** A budget shorter than this after the margin would only hand the instance over again. */
export const MIN_HOST_BUDGET_MS = 500;
/** In-process redelivery after a failed replay: first retry after this long, doubling, ... */
export const REDELIVERY_BASE_MS = 250;
/** ... up to this. */
export const REDELIVERY_MAX_MS = 60_000;
/** An instance turned away for want of a concurrency slot is due again after this long, plus up to as much jitter. */
export const SLOT_RETRY_MS = 1_000;

/** Renew a lease every third of its length: two renewals may fail before it expires. */
export function heartbeatEveryMs(leaseMs: number): number {
  return Math.max(30, Math.floor(leaseMs / 3));
}
