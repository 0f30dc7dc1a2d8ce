// The step timeline of an instance, derived from its journal. A step key (`do:charge-1`) owns up to
// three kinds of records (see core's records.ts): its outcome (`completed`/`failed`), one record per
// failed attempt (`attempt-failed`, with the retry time) and, for sleeps and waits, a `started` record.

import { FINISHED_STATUSES, type Journal, type StepRecord } from '@cairn/core';

export type StepState =
  | 'completed'
  | 'failed'
  | 'retrying'
  | 'sleeping'
  | 'slept'
  | 'waiting'
  | 'received'
  | 'timed out'
  | 'cancelled';

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
}

export function buildTimeline(journal: Journal, now: number): TimelineStep[] {
  const groups = new Map<string, StepRecord[]>();
  for (const record of journal.steps) {
    const list = groups.get(record.key);
    if (list) list.push(record);
    else groups.set(record.key, [record]);
  }
  const finished = FINISHED_STATUSES.has(journal.instance.status);
  const end = finished ? (journal.instance.finishedAt ?? journal.instance.updatedAt) : now;
  // Program order: the step's place among run()'s step calls when recorded, else journal order.
  const steps = [...groups.entries()].map(([key, records], order) => ({
    order: records.find((record) => record.index !== undefined)?.index ?? Number.MAX_SAFE_INTEGER / 2 + order,
    step: summarize(key, records, end, finished),
  }));
  steps.sort((a, b) => a.order - b.order || a.step.startedAt - b.step.startedAt);
  return steps.map(({ step }) => step);
}

function summarize(key: string, records: StepRecord[], end: number, finished: boolean): TimelineStep {
  const first = records[0]!;
  const outcome = records.find((r) => r.state === 'completed' || r.state === 'failed');
  const start = records.find((r) => r.state === 'started');
  const failures = records.filter((r) => r.state === 'attempt-failed').sort((a, b) => a.attempt - b.attempt);
  const lastFailure = failures[failures.length - 1];
  const startedAt = Math.min(...records.map((r) => r.startedAt));
  const step: TimelineStep = {
    key,
    name: first.name,
    count: Number(/-(\d+)$/.exec(key)?.[1] ?? 1),
    kind: first.kind,
    state: 'completed',
    attempts: null,
    startedAt,
    durationMs: 0,
    open: false,
    error: outcome?.error?.message ?? null,
    wakeAt: null,
    eventType: outcome?.eventType ?? start?.eventType ?? null,
  };
  const settle = (state: StepState, until: number | null) => {
    step.state = state;
    step.open = until === null;
    step.durationMs = (until ?? end) - startedAt;
  };

  if (first.kind === 'do' || first.kind === 'rollback') {
    step.attempts = outcome?.attempt ?? lastFailure?.attempt ?? 0;
    if (step.error === null && lastFailure?.error) step.error = `attempt ${lastFailure.attempt}: ${lastFailure.error.message}`;
    if (outcome) settle(outcome.state === 'completed' ? 'completed' : 'failed', outcome.recordedAt);
    else {
      step.wakeAt = lastFailure?.wakeAt ?? null;
      settle(finished ? 'cancelled' : 'retrying', finished ? end : null);
    }
  } else if (first.kind === 'sleep') {
    const wakeAt = start?.wakeAt ?? startedAt;
    step.wakeAt = wakeAt;
    if (wakeAt <= end) settle('slept', wakeAt);
    else settle(finished ? 'cancelled' : 'sleeping', finished ? end : null);
    // A sleep's length is what it asked for, also while it runs.
    if (!finished || wakeAt <= end) step.durationMs = wakeAt - startedAt;
  } else {
    step.wakeAt = start?.wakeAt ?? null;
    if (outcome) settle(outcome.state === 'completed' ? 'received' : 'timed out', outcome.recordedAt);
    else settle(finished ? 'cancelled' : 'waiting', finished ? end : null);
  }
  return step;
}
