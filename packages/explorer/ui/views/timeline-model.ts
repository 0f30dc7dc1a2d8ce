// The timeline's rows: each step (and rollback) with its segments on the time axis: attempts (completed or
// failed), the gaps between them (retry delays), a sleep, an event wait, or an attempt still to come.

import type { Attempt, InstanceDetails, Step } from '../api.ts';

export type SegmentKind = 'attempt-ok' | 'attempt-failed' | 'attempt-running' | 'retry-gap' | 'sleep' | 'wait' | 'pending';

export interface Segment {
  kind: SegmentKind;
  from: number;
  to: number;
  label: string;
}

export interface TimelineRow {
  key: string;
  step: Step;
  state: string;
  from: number;
  to: number;
  segments: Segment[];
}

export interface TimelineModel {
  rows: TimelineRow[];
  from: number;
  to: number;
}

const ms = (iso: string | null | undefined, fallback: number) => (iso ? Date.parse(iso) : fallback);

export function timelineModel(details: InstanceDetails, now: number): TimelineModel {
  const end = details.end ? Date.parse(details.end) : now;
  const steps = [...details.steps, ...(details.rollbacks ?? [])];
  const rows = steps.map((step, i) => rowOf(step, i, end));
  const from = Math.min(Date.parse(details.queued), ...rows.map((row) => row.from));
  const to = Math.max(end, ...rows.map((row) => row.to));
  return { rows, from, to: to > from ? to : from + 1 };
}

function rowOf(step: Step, index: number, end: number): TimelineRow {
  const from = ms(step.start, end);
  const to = ms(step.end, end);
  const row: TimelineRow = { key: `${index}:${step.name}`, step, state: stateOf(step), from, to: Math.max(from, to), segments: [] };
  if (step.type === 'sleep') row.segments.push({ kind: 'sleep', from, to: row.to, label: step.finished ? 'slept' : 'sleeping' });
  else if (step.type === 'waitForEvent')
    row.segments.push({ kind: 'wait', from, to: row.to, label: step.finished ? (step.error ? 'timed out' : 'received') : 'waiting' });
  else row.segments.push(...attemptSegments(step.attempts, from, end, step.success));
  return row;
}

function attemptSegments(attempts: Attempt[], stepStart: number, end: number, success: boolean | null): Segment[] {
  const segments: Segment[] = [];
  let previousEnd: number | null = null;
  attempts.forEach((attempt, i) => {
    const to = ms(attempt.end, end);
    const from = attempt.start ? Date.parse(attempt.start) : (previousEnd ?? stepStart);
    if (previousEnd !== null && from > previousEnd)
      segments.push({ kind: 'retry-gap', from: previousEnd, to: from, label: `retry delay before attempt ${i + 1}` });
    const runningNow = attempt.success === null && attempt.end === null;
    const outcome = attempt.success
      ? 'completed'
      : runningNow
        ? 'running'
        : `failed${attempt.error ? ` (${attempt.error.name}: ${attempt.error.message})` : ''}`;
    segments.push({
      kind: attempt.success ? 'attempt-ok' : runningNow ? 'attempt-running' : 'attempt-failed',
      from,
      to: Math.max(from, to),
      label: `attempt ${i + 1}: ${outcome}`,
    });
    previousEnd = Math.max(from, to);
  });
  // A failed attempt with another to come: the wait for it, until now.
  const last = attempts.at(-1);
  const lastRunning = last?.success === null && last.end === null;
  if (success === null && !lastRunning && previousEnd !== null && end > previousEnd) {
    segments.push({ kind: 'pending', from: previousEnd, to: end, label: 'next attempt pending' });
  }
  return segments;
}

function stateOf(step: Step): string {
  if (step.type === 'sleep') return step.finished ? 'slept' : 'sleeping';
  if (step.type === 'waitForEvent') return step.finished ? (step.error ? 'timed out' : 'received') : 'waiting';
  if (step.success === true) return 'completed';
  if (step.success === false) return 'failed';
  const last = step.attempts.at(-1);
  return last === undefined || (last.success === null && last.end === null) ? 'running' : 'retrying';
}

/** Tick marks for the axis: about `count` round instants between `from` and `to`. */
export function ticks(from: number, to: number, count = 6): number[] {
  const span = to - from;
  const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 3e4, 6e4, 3e5, 6e5, 1.8e6, 3.6e6, 2.16e7, 4.32e7, 8.64e7, 6.048e8];
  const step = steps.find((candidate) => span / candidate <= count) ?? span / count;
  const first = Math.ceil(from / step) * step;
  const marks: number[] = [];
  for (let t = first; t <= to; t += step) marks.push(t);
  return marks;
}
