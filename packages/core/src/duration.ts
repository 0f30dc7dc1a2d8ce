// Durations as Cloudflare accepts them: milliseconds, or '<n> <unit>' with an optional plural 's'.

import { ValidationError } from './errors.js';

type DurationUnit = 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';
export type WorkflowDurationLabel = DurationUnit | `${DurationUnit}s`;
export type WorkflowSleepDuration = `${number} ${WorkflowDurationLabel}` | number;
export type WorkflowTimeoutDuration = WorkflowSleepDuration;
export type WorkflowDelayDuration = WorkflowSleepDuration;

const UNIT_MS: Record<DurationUnit, number> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
  month: 2_592_000_000, // 30 days
  year: 31_536_000_000, // 365 days
};

const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(second|minute|hour|day|week|month|year)s?\s*$/;

/** Milliseconds in a duration; an unknown unit or a negative number is a ValidationError naming `input`. */
export function parseDuration(duration: unknown, input = 'duration'): number {
  if (typeof duration === 'number') {
    if (Number.isFinite(duration) && duration >= 0) return duration;
  } else if (typeof duration === 'string') {
    const match = PATTERN.exec(duration);
    if (match) return Math.round(Number(match[1]) * UNIT_MS[match[2] as DurationUnit]);
  }
  throw new ValidationError(input, "a number of milliseconds (>= 0) or '<n> second|minute|hour|day|week|month|year[s]'", duration);
}
