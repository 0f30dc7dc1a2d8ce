// A readable step history from a journal: one entry per step call (key), with its attempts, value and error.
// A view of core's step timeline (`buildStepTimeline`), in the shape the testkit has always given.

import { buildStepTimeline, type ErrorSummary, type Journal, type StepRecord, type StepTimelineEntry } from '@cairn/core';

type StepKind = StepRecord['kind'];

export type StepHistoryState = 'completed' | 'failed' | 'retrying' | 'sleeping' | 'waiting';

export interface StepHistoryEntry {
  /** The journal key: `<kind>:<name>-<count>`. */
  key: string;
  kind: StepKind;
  name: string;
  /** 1 for the first call of this name, 2 for the second... */
  count: number;
  state: StepHistoryState;
  /** Attempts made so far (0 for sleeps, and for waits not yet finished). */
  attempts: number;
  /** A `do` step's output (a streamed one as its bytes, a Uint8Array), or the payload of the event a wait received. */
  value?: unknown;
  /** Why the step failed (a `do` step's last error, or a wait's timeout). */
  error?: ErrorSummary;
  /** Each failed attempt before the outcome (or before the retry to come). */
  attemptErrors: Array<ErrorSummary & { attempt: number }>;
  startedAt: number;
  /** When the outcome was recorded (a sleep: when it ended). */
  finishedAt?: number;
  /** A sleep's end, a wait's deadline, or when the next retry runs. */
  wakeAt?: number;
  /** The event type a wait waits for, or received. */
  eventType?: string;
}

/** Builds the history of the current generation; `now` decides whether a sleep is over. */
export function stepHistory(journal: Journal, now: number): StepHistoryEntry[] {
  return buildStepTimeline(journal, now, { showSensitive: true }).map((step) => historyEntry(step, now));
}

const OVER = new Set(['completed', 'failed', 'received', 'timed out']);

function historyEntry(step: StepTimelineEntry, now: number): StepHistoryEntry {
  const entry: StepHistoryEntry = {
    key: step.key,
    kind: step.kind,
    name: step.name,
    count: step.count,
    state: stateOf(step, now),
    attempts: step.kind === 'sleep' ? 0 : step.attempts,
    attemptErrors: step.attemptList
      .filter((attempt) => attempt.retryAt !== null)
      .map((attempt) => ({ attempt: attempt.attempt, name: attempt.error?.name ?? 'Error', message: attempt.error?.message ?? '' })),
    startedAt: step.startedAt,
  };
  if (step.eventType !== null) entry.eventType = step.eventType;
  if (step.error) entry.error = { ...step.error };
  if ('output' in step) entry.value = step.output;
  if (OVER.has(step.state)) {
    entry.finishedAt = step.endedAt!;
  } else if (step.wakeAt !== null) {
    entry.wakeAt = step.wakeAt;
    if (step.kind === 'sleep' && step.wakeAt <= now) entry.finishedAt = step.wakeAt;
  }
  if (step.kind === 'sleep' && step.wakeAt !== null) entry.wakeAt = step.wakeAt;
  return entry;
}

/** The testkit's coarser states: a sleep that ended and an event received are `completed`, a wait that timed out `failed`. */
function stateOf(step: StepTimelineEntry, now: number): StepHistoryState {
  if (step.kind === 'sleep') return step.wakeAt !== null && step.wakeAt <= now ? 'completed' : 'sleeping';
  switch (step.state) {
    case 'completed':
    case 'received':
      return 'completed';
    case 'failed':
    case 'timed out':
      return 'failed';
    case 'waiting':
      return 'waiting';
    case 'cancelled':
      return step.kind === 'wait' ? 'waiting' : 'retrying';
    default:
      return 'retrying';
  }
}
