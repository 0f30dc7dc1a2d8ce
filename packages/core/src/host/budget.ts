// A host's time budget as the engine needs it: the deadline (on the runtime's clock) at which a replay stops
// starting work, leaving a margin for the step already running and for recording it.

import { ValidationError } from '../errors.js';
import { DEADLINE_MARGIN_SHARE, MAX_DEADLINE_MARGIN_MS, MIN_HOST_BUDGET_MS } from '../shared/intervals.js';

export interface HostBudget {
  /** When the host's time runs out, in epoch ms on the runtime's clock (a Lambda invocation's end, a request's timeout). */
  endsAt: number;
  /**
   * Stop starting new steps this long before `endsAt`; it must cover the longest step attempt, since one
   * already started is never cut short. @default 20% of the budget, at most 10_000
   */
  safetyMarginMs?: number;
}

/** The deadline for replays within the budget; a budget too small to do anything in is a ValidationError. */
export function deadlineOf(budget: HostBudget, now: number): number {
  const total = budget.endsAt - now;
  const margin = budget.safetyMarginMs ?? Math.min(MAX_DEADLINE_MARGIN_MS, Math.floor(Math.max(0, total) * DEADLINE_MARGIN_SHARE));
  const deadline = budget.endsAt - margin;
  if (deadline - now < MIN_HOST_BUDGET_MS) {
    throw new ValidationError(
      'safetyMarginMs',
      `a margin that leaves at least ${MIN_HOST_BUDGET_MS}ms of the ${total}ms budget (raise the timeout or lower the margin)`,
      margin,
    );
  }
  return deadline;
}

/** How long waits may be held in process under `limit`: never past the deadline. */
export function inProcessWaitWithin(limit: number | 'remaining' | undefined, deadline: number, now: number): number | undefined {
  if (limit === undefined) return undefined;
  const fits = Math.max(0, deadline - now);
  return limit === 'remaining' ? fits : Math.min(limit, fits);
}
