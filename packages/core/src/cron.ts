// Cron expressions for cron-triggered workflow instances, with Cloudflare Cron Triggers' semantics: five fields
// (minute hour day-of-month month day-of-week) or a macro, in UTC; weekdays numbered 1-7 with Sunday = 1, or
// named SUN-SAT; `L`, `W` and `#`. Matching is croner's (no dependencies, maintained), configured for those
// semantics; this file only checks what croner would read differently and names the bad field.

import { Cron } from 'croner';
import { ValidationError } from './errors.js';

/** A parsed cron expression. Build one with `parseCron`. */
export interface CronSchedule {
  /** The expression as given, trimmed. */
  readonly expression: string;
  /** The first fire time strictly after `after` (epoch ms), or null if there is none (croner's calendar ends at 9999). */
  readonly nextAfter: (after: number) => number | null;
}

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 1',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const FIELD_NAMES = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
const SYNTAX = '*, n, a-b, a list a,b,c, a step */n, a-b/n or a/n; L and W in day-of-month; L and # in day-of-week';
const MAX_DATE_MS = 8.64e15; // the range of a JavaScript Date

/** Parses a 5-field cron expression (minute hour day-of-month month day-of-week) as Cloudflare reads it, UTC. */
export function parseCron(expression: string): CronSchedule {
  const allowedForm = `5 fields (minute hour day-of-month month day-of-week) or one of ${Object.keys(MACROS).join(', ')}`;
  if (typeof expression !== 'string') throw new ValidationError('cron expression', allowedForm, expression);
  const trimmed = expression.trim();
  const expanded = trimmed.startsWith('@') ? MACROS[trimmed.toLowerCase()] : trimmed;
  const texts = expanded?.split(/\s+/) ?? [];
  if (texts.length !== 5) throw new ValidationError(`cron expression ${JSON.stringify(expression)}`, allowedForm, trimmed);
  const [minute, hour, dayOfMonth, month, dayOfWeek] = texts as [string, string, string, string, string];
  checkNumbers(texts, expression);

  let cron: Cron;
  try {
    cron = new Cron([minute, hour, dayOfMonth, month, dayOfWeek].join(' '), {
      paused: true,
      mode: '5-part',
      utcOffset: 0,
      alternativeWeekdays: true, // 1-7, Sunday = 1, as Cloudflare documents
      sloppyRanges: true, // 'a/n' runs from a to the field's end, as Vixie cron reads it
      // Vixie cron's day rule: a day field that starts with '*' (also '*/n') is not a restriction, so both
      // fields must match; when both are restricted, either may.
      domAndDow: isWild(dayOfMonth) || isWild(dayOfWeek),
    });
  } catch (error) {
    throw new ValidationError(`cron expression ${JSON.stringify(expression)}`, `each field one of ${SYNTAX}`, fieldOf(error, texts), {
      cause: error,
    });
  }
  return { expression: trimmed, nextAfter: (after) => nextRunOf(cron, after) };
}

/** The fire times t (epoch ms, whole minutes, UTC) with from < t <= to, ascending; at most `limit` (default 1000). */
export function cronTimesBetween(schedule: CronSchedule, from: number, to: number, limit = 1000): number[] {
  if (Number.isNaN(from) || Number.isNaN(to)) throw new ValidationError('cron time range', 'two numbers (epoch ms)', { from, to });
  const times: number[] = [];
  for (let cursor = from; times.length < limit;) {
    const next = cursor < to ? schedule.nextAfter(cursor) : null;
    if (next === null || next > to) break;
    times.push(next);
    cursor = next;
  }
  return times;
}

/** The first fire time strictly after `after` (epoch ms), or null if none within 5 years. */
export function nextCronTime(schedule: CronSchedule, after: number): number | null {
  const horizon = new Date(after);
  horizon.setUTCFullYear(horizon.getUTCFullYear() + 5);
  const next = schedule.nextAfter(after);
  return next !== null && !(next > horizon.getTime()) ? next : null;
}

function nextRunOf(cron: Cron, after: number): number | null {
  if (!(Math.abs(after) < MAX_DATE_MS)) return null;
  return cron.nextRun(new Date(after))?.getTime() ?? null;
}

const isWild = (field: string): boolean => field.startsWith('*') || field.startsWith('?');

/** The numbers each field allows; month and weekday names are croner's to check. */
const SPANS: readonly (readonly [number, number, string])[] = [
  [0, 59, 'a whole number within 0-59'],
  [0, 23, 'a whole number within 0-23'],
  [1, 31, 'a whole number within 1-31'],
  [1, 12, 'a whole number within 1-12 or JAN-DEC'],
  // POSIX numbers weekdays 0-6 (Sunday = 0); Cloudflare 1-7 (Sunday = 1). A 0 is the sign of a POSIX expression,
  // so it is refused loudly rather than read one day off; so is 8, which croner would take as Sunday.
  [1, 7, 'weekdays 1-7 with Sunday = 1 (Cloudflare numbers them as Quartz does: 2-6 is Monday to Friday), or SUN-SAT'],
];

/** Refuses a number outside its field's span, naming the field; croner's own messages count from zero. */
function checkNumbers(texts: readonly string[], expression: string): void {
  texts.forEach((text, index) => {
    const [min, max, allowed] = SPANS[index] as readonly [number, number, string];
    // Numbers after '/' (a step) and '#' (the nth weekday) are not values of the field.
    for (const match of text.matchAll(/(^|[^#/\d])(\d+)/g)) {
      const value = Number(match[2]);
      if (value < min || value > max) throw new ValidationError(`${FIELD_NAMES[index]} field of cron expression ${JSON.stringify(expression)}`, allowed, text);
    }
  });
}

/** Names the field croner refused, from its message ("... dayOfWeek ...", "configuration entry 3 ..."). */
function fieldOf(error: unknown, texts: readonly string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  const entry = /configuration entry (\d)/.exec(message);
  const key = /value for (\w+)/.exec(message)?.[1];
  const index = entry ? Number(entry[1]) - 1 : ['minute', 'hour', 'day', 'month', 'dayOfWeek'].indexOf(key ?? '');
  const field = index >= 0 && index < 5 ? `${FIELD_NAMES[index]} field ${JSON.stringify(texts[index])}: ` : '';
  return `${field}${message.replace(/^CronPattern: /, '')}`;
}
