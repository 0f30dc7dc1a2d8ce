// Cron expressions for cron-triggered workflow instances, as Cloudflare Cron Triggers accept them:
// five fields (minute hour day-of-month month day-of-week) or a macro, evaluated in UTC.

import { ValidationError } from './errors.js';

/** A parsed cron expression. Build one with `parseCron`; the value sets are precomputed for matching. */
export interface CronSchedule {
  readonly expression: string;
  /** Allowed minutes and hours, ascending. */
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  /** Indexed by value: daysOfMonth[1..31], months[1..12], daysOfWeek[0..6] (Sunday is 0). */
  readonly daysOfMonth: readonly boolean[];
  readonly months: readonly boolean[];
  readonly daysOfWeek: readonly boolean[];
  /** 'either' when both day fields are restricted (POSIX OR rule), else 'both'. */
  readonly dayRule: 'either' | 'both';
}

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Upper end of `*` and `a/n`; below `max` only for day-of-week, where 7 is a second Sunday. */
  readonly openMax: number;
  readonly names?: readonly string[];
  /** The value of names[0]. */
  readonly nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59, openMax: 59 },
  { name: 'hour', min: 0, max: 23, openMax: 23 },
  { name: 'day-of-month', min: 1, max: 31, openMax: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    openMax: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
    nameBase: 1,
  },
  { name: 'day-of-week', min: 0, max: 7, openMax: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], nameBase: 0 },
];

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const SYNTAX = '*, n, a-b, a list a,b,c, or a step */n, a-b/n, a/n';
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const MAX_DATE_MS = 8.64e15; // the range of a JavaScript Date

/** Parses a 5-field cron expression (minute hour day-of-month month day-of-week), UTC. */
export function parseCron(expression: string): CronSchedule {
  const allowedForm = `5 fields (minute hour day-of-month month day-of-week) or one of ${Object.keys(MACROS).join(', ')}`;
  if (typeof expression !== 'string') throw new ValidationError('cron expression', allowedForm, expression);
  const trimmed = expression.trim();
  const expanded = trimmed.startsWith('@') ? MACROS[trimmed.toLowerCase()] : trimmed;
  const texts = expanded?.split(/\s+/) ?? [];
  if (texts.length !== 5) throw new ValidationError(`cron expression ${JSON.stringify(expression)}`, allowedForm, trimmed);

  const [minutes, hours, dom, months, dow] = FIELDS.map((spec, i) => parseField(texts[i] as string, spec, expression)) as [
    number[],
    number[],
    number[],
    number[],
    number[],
  ];
  // Vixie cron: a day field that starts with '*' (also '*/n') does not count as restricted.
  const domRestricted = !(texts[2] as string).startsWith('*');
  const dowRestricted = !(texts[4] as string).startsWith('*');
  return {
    expression: trimmed,
    minutes,
    hours,
    daysOfMonth: toFlags(dom, 32),
    months: toFlags(months, 13),
    daysOfWeek: toFlags(
      dow.map((d) => d % 7),
      7,
    ),
    dayRule: domRestricted && dowRestricted ? 'either' : 'both',
  };
}

/** The fire times t (epoch ms, whole minutes, UTC) with from < t <= to, ascending; at most `limit` (default 1000). */
export function cronTimesBetween(schedule: CronSchedule, from: number, to: number, limit = 1000): number[] {
  if (Number.isNaN(from) || Number.isNaN(to)) throw new ValidationError('cron time range', 'two numbers (epoch ms)', { from, to });
  const times: number[] = [];
  const first = Math.max(Math.floor(from / MINUTE_MS) * MINUTE_MS + MINUTE_MS, -MAX_DATE_MS);
  const last = Math.min(to, MAX_DATE_MS);
  if (first > last || !(limit >= 1)) return times;

  const start = new Date(first);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth(); // 0-based
  let day = start.getUTCDate();
  // Walk the allowed months, then the matching days in them, then the hours and minutes of each day.
  for (;;) {
    if (!(utcDay(year, month, 1) <= last)) return times; // also stops at NaN, past the Date range
    if (schedule.months[month + 1] === true) {
      for (const monthEnd = daysInMonth(year, month); day <= monthEnd; day++) {
        const dayStart = utcDay(year, month, day);
        if (!(dayStart <= last)) return times;
        if (!dayMatches(schedule, day, new Date(dayStart).getUTCDay())) continue;
        for (const hour of schedule.hours) {
          for (const minute of schedule.minutes) {
            const t = dayStart + hour * HOUR_MS + minute * MINUTE_MS;
            if (t < first) continue;
            if (t > last) return times;
            times.push(t);
            if (times.length >= limit) return times;
          }
        }
      }
    }
    day = 1;
    if (++month === 12) [month, year] = [0, year + 1];
  }
}

/** The first fire time strictly after `after` (epoch ms), or null if none within 5 years. */
export function nextCronTime(schedule: CronSchedule, after: number): number | null {
  const horizon = new Date(after);
  horizon.setUTCFullYear(horizon.getUTCFullYear() + 5);
  const end = Number.isNaN(horizon.getTime()) ? MAX_DATE_MS : horizon.getTime(); // NaN past the Date range
  return cronTimesBetween(schedule, after, end, 1)[0] ?? null;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 1) return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month] as number;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/** Epoch ms of a UTC midnight; unlike Date.UTC, years 0-99 are not read as 1900-1999. */
function utcDay(year: number, month: number, day: number): number {
  return new Date(0).setUTCFullYear(year, month, day);
}

function dayMatches(schedule: CronSchedule, dayOfMonth: number, dayOfWeek: number): boolean {
  const dom = schedule.daysOfMonth[dayOfMonth] === true;
  const dow = schedule.daysOfWeek[dayOfWeek] === true;
  return schedule.dayRule === 'either' ? dom || dow : dom && dow;
}

function toFlags(values: readonly number[], size: number): boolean[] {
  const flags = new Array<boolean>(size).fill(false);
  for (const v of values) flags[v] = true;
  return flags;
}

/** The values one field allows, ascending and without duplicates. */
function parseField(text: string, spec: FieldSpec, expression: string): number[] {
  const span = `${spec.min}-${spec.max}` + (spec.names ? ` or ${spec.names[0]}-${spec.names.at(-1)}` : '');
  const fail = (allowed: string, received: string): never => {
    throw new ValidationError(`${spec.name} field of cron expression ${JSON.stringify(expression)}`, allowed, received);
  };
  const value = (token: string): number => {
    let n = Number.NaN;
    if (/^\d+$/.test(token)) n = Number(token);
    else if (spec.names && /^[a-z]+$/i.test(token)) {
      const index = spec.names.indexOf(token.toUpperCase());
      if (index >= 0) n = index + (spec.nameBase ?? 0);
    }
    return n >= spec.min && n <= spec.max ? n : fail(`a whole number within ${span}`, token);
  };

  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') fail(`a list with no empty items, each one of ${SYNTAX}`, text);
    const parts = item.split('/');
    if (parts.length > 2) fail(SYNTAX, item);
    const [range = '', stepText] = parts;
    let step = 1;
    if (stepText !== undefined) {
      step = /^\d+$/.test(stepText) ? Number(stepText) : 0;
      if (step < 1) fail('a step /n with n a whole number of at least 1', item);
    }
    let low: number;
    let high: number;
    if (range === '*') [low, high] = [spec.min, spec.openMax];
    else if (range.includes('-')) {
      const bounds = range.split('-');
      if (bounds.length !== 2) fail(SYNTAX, item);
      [low, high] = [value(bounds[0] as string), value(bounds[1] as string)];
      if (low > high) fail(`a range a-b with a <= b within ${span}`, item);
    } else {
      low = value(range);
      high = stepText === undefined ? low : Math.max(low, spec.openMax); // 'a/n' runs to the field's end
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}
