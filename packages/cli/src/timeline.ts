// The step timeline of an instance as `cairn instances describe` shows it: core's timeline
// (`buildStepTimeline`), with errors as one line of text.

import { buildStepTimeline, type Journal, type StepRecord, type StepTimelineState } from '@cairn/core';

export type StepState = StepTimelineState;

export interface TimelineStep {
  key: string;
  name: string;
  /** 1 for the first call of a name, 2 for the second... */
  count: number;
  kind: StepRecord['kind'];
  state: StepState;
  /** Attempts made (step.do), or null. */
  attempts: number | null;
  startedAt: number;
  /** Until the outcome, or until now when still in progress; a sleep's planned length. */
  durationMs: number;
  /** Still in progress (duration so far). */
  open: boolean;
  /** The outcome's error, or the last failed attempt's. */
  error: string | null;
  /** When a sleep ends, a wait times out or the next attempt runs. */
  wakeAt: number | null;
  /** The event a wait received, or waits for. */
  eventType: string | null;
  /** The step's output (shortened by the caller), when it completed and is not sensitive. */
  output?: unknown;
}

export function buildTimeline(journal: Journal, now: number): TimelineStep[] {
  return buildStepTimeline(journal, now).map((step) => {
    const call = step.kind === 'do' || step.kind === 'rollback';
    const lastFailure = step.attemptList.filter((attempt) => attempt.retryAt !== null).pop();
    const error = step.error?.message ?? (call && lastFailure?.error ? `attempt ${lastFailure.attempt}: ${lastFailure.error.message}` : null);
    const line: TimelineStep = {
      key: step.key,
      name: step.name,
      count: step.count,
      kind: step.kind,
      state: step.state,
      attempts: call ? step.attempts : null,
      startedAt: step.startedAt,
      durationMs: step.durationMs,
      open: step.open,
      error,
      wakeAt: step.wakeAt,
      eventType: step.eventType,
    };
    if ('output' in step) line.output = step.output;
    return line;
  });
}
