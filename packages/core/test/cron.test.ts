// Cron expressions as Cloudflare Cron Triggers read them (weekdays 1-7 with Sunday = 1, L, W, #): Cloudflare's
// documented examples, syntax, the day-of-month/day-of-week rule, calendar edges, ranges of fire times, errors.
import { describe, expect, it } from 'vitest';
import { CairnError, ValidationError } from '../src/errors.js';
import { cronTimesBetween, nextCronTime, parseCron } from '../src/cron.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

/** Fire times of `expression` with from < t <= to, as ISO strings. */
function times(expression: string, from: string, to: string, limit?: number): string[] {
  return cronTimesBetween(parseCron(expression), at(from), at(to), limit).map(iso);
}

/** The first fire time after `after`, as an ISO string. */
function next(expression: string, after: string): string | null {
  const t = nextCronTime(parseCron(expression), at(after));
  return t === null ? null : iso(t);
}

describe("Cloudflare's documented examples", () => {
  // December 2026: the 1st is a Tuesday; the 25th the last Friday; the 31st, a Thursday, the last weekday.
  it('0 17 * * 1 fires on Sundays', () => {
    expect(times('0 17 * * 1', '2026-12-01T00:00:00Z', '2026-12-21T00:00:00Z')).toEqual([
      '2026-12-06T17:00:00.000Z',
      '2026-12-13T17:00:00.000Z',
      '2026-12-20T17:00:00.000Z',
    ]);
  });

  it('10 7 * * 2-6 fires Monday to Friday', () => {
    const fired = times('10 7 * * 2-6', '2026-12-01T00:00:00Z', '2026-12-15T00:00:00Z').map((t) => new Date(t).getUTCDay());
    expect(fired).toEqual([2, 3, 4, 5, 1, 2, 3, 4, 5, 1]);
  });

  it('0 18 * * 6L fires on the last Friday of the month', () => {
    expect(times('0 18 * * 6L', '2026-12-01T00:00:00Z', '2027-04-01T00:00:00Z')).toEqual([
      '2026-12-25T18:00:00.000Z',
      '2027-01-29T18:00:00.000Z',
      '2027-02-26T18:00:00.000Z',
      '2027-03-26T18:00:00.000Z',
    ]);
  });

  it('59 23 LW * * fires on the last weekday of the month', () => {
    // January 2027 ends on a Sunday, February on a Sunday, July 2027 on a Saturday.
    expect(times('59 23 LW * *', '2026-12-01T00:00:00Z', '2027-08-01T00:00:00Z')).toEqual([
      '2026-12-31T23:59:00.000Z',
      '2027-01-29T23:59:00.000Z',
      '2027-02-26T23:59:00.000Z',
      '2027-03-31T23:59:00.000Z',
      '2027-04-30T23:59:00.000Z',
      '2027-05-31T23:59:00.000Z',
      '2027-06-30T23:59:00.000Z',
      '2027-07-30T23:59:00.000Z',
    ]);
  });

  it('# names the nth weekday of the month, W the weekday nearest a day', () => {
    expect(times('0 0 * * 2#1', '2026-12-01T00:00:00Z', '2027-03-01T00:00:00Z')).toEqual([
      '2026-12-07T00:00:00.000Z',
      '2027-01-04T00:00:00.000Z',
      '2027-02-01T00:00:00.000Z',
      '2027-03-01T00:00:00.000Z',
    ]);
    expect(times('0 0 * * FRI#L', '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual(['2026-12-25T00:00:00.000Z']);
    // 15 May 2027 is a Saturday, 15 August 2027 a Sunday.
    expect(times('0 12 15W * *', '2027-05-01T00:00:00Z', '2027-09-01T00:00:00Z')).toEqual([
      '2027-05-14T12:00:00.000Z',
      '2027-06-15T12:00:00.000Z',
      '2027-07-15T12:00:00.000Z',
      '2027-08-16T12:00:00.000Z',
    ]);
  });

  it('7 is Saturday; 0 and 8 are refused with how Cloudflare numbers weekdays', () => {
    expect(times('0 12 * * 7', '2026-12-01T00:00:00Z', '2026-12-13T00:00:00Z')).toEqual(['2026-12-05T12:00:00.000Z', '2026-12-12T12:00:00.000Z']);
    // A step runs from its start to Saturday: 1/2 is Sunday, Tuesday, Thursday, Saturday.
    expect(times('0 0 * * 1/2', '2026-12-05T12:00:00Z', '2026-12-12T23:00:00Z').map((t) => new Date(t).getUTCDay())).toEqual([0, 2, 4, 6]);
    for (const expression of ['0 0 * * 0', '0 0 * * 0-4', '0 0 * * 5,8']) {
      expect(() => parseCron(expression), expression).toThrow(/day-of-week field .*weekdays 1-7 with Sunday = 1/);
    }
  });
});

describe('parseCron syntax', () => {
  it('keeps the (trimmed) expression', () => {
    expect(parseCron('  0 * * * *\t').expression).toBe('0 * * * *');
  });

  it('accepts * and single numbers', () => {
    expect(times('30 14 * * *', '2026-03-01T00:00:00Z', '2026-03-03T00:00:00Z')).toEqual(['2026-03-01T14:30:00.000Z', '2026-03-02T14:30:00.000Z']);
    expect(times('* * * * *', '2026-03-01T00:00:00Z', '2026-03-01T00:03:00Z')).toEqual([
      '2026-03-01T00:01:00.000Z',
      '2026-03-01T00:02:00.000Z',
      '2026-03-01T00:03:00.000Z',
    ]);
  });

  /** The minutes of the first hour of March 2026 at which `expression` fires. */
  const minutes = (expression: string): number[] => times(expression, '2026-02-28T23:59:59Z', '2026-03-01T00:59:00Z').map((t) => new Date(t).getUTCMinutes());
  /** The hours of 1 March 2026 at which `expression` fires. */
  const hours = (expression: string): number[] => times(expression, '2026-02-28T23:59:59Z', '2026-03-01T23:59:00Z').map((t) => new Date(t).getUTCHours());

  it('accepts ranges, lists and lists of ranges', () => {
    expect(minutes('10-12 * * * *')).toEqual([10, 11, 12]);
    expect(minutes('1,5,3 * * * *')).toEqual([1, 3, 5]);
    expect(hours('0 1-3,20-21,7 * * *')).toEqual([1, 2, 3, 7, 20, 21]);
    expect(minutes('5,5,4-6 * * * *')).toEqual([4, 5, 6]);
  });

  it('accepts steps */n, a-b/n and a/n', () => {
    expect(minutes('*/15 * * * *')).toEqual([0, 15, 30, 45]);
    expect(hours('0 */7 * * *')).toEqual([0, 7, 14, 21]);
    expect(minutes('10-30/10 * * * *')).toEqual([10, 20, 30]);
    expect(minutes('10-25/10 * * * *')).toEqual([10, 20]);
    expect(minutes('50/4 * * * *')).toEqual([50, 54, 58]);
    expect(times('0 0 25/3 * *', '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z').map((t) => new Date(t).getUTCDate())).toEqual([25, 28, 31]);
    expect(minutes('0,*/20,1-2/1 * * * *')).toEqual([0, 1, 2, 20, 40]);
  });

  it('accepts leading zeros and any run of spaces and tabs between fields', () => {
    expect(times('05 \t 09   *\t* *', '2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z')).toEqual(['2026-03-01T09:05:00.000Z']);
  });

  it('accepts month names and ranges of them, in any case', () => {
    const months = (expression: string) => times(expression, '2025-12-31T00:00:00Z', '2026-12-31T00:00:00Z').map((t) => new Date(t).getUTCMonth() + 1);
    expect(months('0 0 1 JAN *')).toEqual([1]);
    expect(months('0 0 1 jan-Mar *')).toEqual([1, 2, 3]);
    expect(months('0 0 1 dec,JUN,7 *')).toEqual([6, 7, 12]);
    expect(months('0 0 1 FEB-NOV/3 *')).toEqual([2, 5, 8, 11]);
  });

  it('accepts day names and ranges of them, in any case', () => {
    // 2026-03-02 is a Monday.
    expect(times('0 9 * * MON-FRI', '2026-03-01T00:00:00Z', '2026-03-09T00:00:00Z')).toEqual([
      '2026-03-02T09:00:00.000Z',
      '2026-03-03T09:00:00.000Z',
      '2026-03-04T09:00:00.000Z',
      '2026-03-05T09:00:00.000Z',
      '2026-03-06T09:00:00.000Z',
    ]);
    expect(times('0 9 * * sat,Sun', '2026-03-01T00:00:00Z', '2026-03-09T00:00:00Z')).toEqual([
      '2026-03-01T09:00:00.000Z',
      '2026-03-07T09:00:00.000Z',
      '2026-03-08T09:00:00.000Z',
    ]);
  });

  it('expands the macros; @weekly fires on Sundays', () => {
    const same = (macro: string, fields: string) =>
      expect(times(macro, '2026-01-01T00:00:00Z', '2028-01-02T00:00:00Z', 5000), macro).toEqual(
        times(fields, '2026-01-01T00:00:00Z', '2028-01-02T00:00:00Z', 5000),
      );
    same('@yearly', '0 0 1 1 *');
    same('@annually', '0 0 1 1 *');
    same('@monthly', '0 0 1 * *');
    same('@weekly', '0 0 * * SUN');
    same('@daily', '0 0 * * *');
    same('@midnight', '0 0 * * *');
    expect(times('@hourly', '2026-03-01T00:00:00Z', '2026-03-01T02:00:00Z')).toEqual(['2026-03-01T01:00:00.000Z', '2026-03-01T02:00:00.000Z']);
    expect(parseCron(' @hourly ').expression).toBe('@hourly');
    expect(times('@weekly', '2026-03-01T00:00:00Z', '2026-03-15T00:00:00Z')).toEqual(['2026-03-08T00:00:00.000Z', '2026-03-15T00:00:00.000Z']);
  });
});

describe('day-of-month and day-of-week', () => {
  it('fires on either day when both fields are restricted (POSIX OR rule)', () => {
    // The 13th of March 2026 is a Friday; other Fridays are the 6th, 20th and 27th.
    expect(times('0 0 13 * 6', '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual([
      '2026-03-06T00:00:00.000Z',
      '2026-03-13T00:00:00.000Z',
      '2026-03-20T00:00:00.000Z',
      '2026-03-27T00:00:00.000Z',
    ]);
    expect(times('0 0 1,15 * MON', '2026-03-01T00:00:00Z', '2026-03-20T00:00:00Z')).toEqual([
      '2026-03-02T00:00:00.000Z',
      '2026-03-09T00:00:00.000Z',
      '2026-03-15T00:00:00.000Z',
      '2026-03-16T00:00:00.000Z',
    ]);
  });

  it('needs only the restricted field when the other is *', () => {
    expect(times('0 0 13 * *', '2026-03-01T00:00:00Z', '2026-05-01T00:00:00Z')).toEqual(['2026-03-13T00:00:00.000Z', '2026-04-13T00:00:00.000Z']);
    expect(times('0 0 * * FRI', '2026-03-01T00:00:00Z', '2026-03-14T00:00:00Z')).toEqual(['2026-03-06T00:00:00.000Z', '2026-03-13T00:00:00.000Z']);
  });

  it('counts a field starting with * (as */n) as unrestricted, as Vixie cron does: both must match', () => {
    // Odd days that are Mondays: March 2026 Mondays are the 2nd, 9th, 16th, 23rd, 30th.
    expect(times('0 0 */2 * MON', '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual(['2026-03-09T00:00:00.000Z', '2026-03-23T00:00:00.000Z']);
  });
});

describe('calendar edges', () => {
  it('fires on 29 February only in leap years', () => {
    expect(times('0 0 29 2 *', '2027-01-01T00:00:00Z', '2029-12-31T23:59:00Z')).toEqual(['2028-02-29T00:00:00.000Z']);
    expect(next('0 0 29 2 *', '2028-02-29T00:00:00Z')).toBe('2032-02-29T00:00:00.000Z');
  });

  it('fires on the 31st only in the months that have one', () => {
    expect(times('0 0 31 * *', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([
      '2026-01-31T00:00:00.000Z',
      '2026-03-31T00:00:00.000Z',
      '2026-05-31T00:00:00.000Z',
      '2026-07-31T00:00:00.000Z',
      '2026-08-31T00:00:00.000Z',
      '2026-10-31T00:00:00.000Z',
      '2026-12-31T00:00:00.000Z',
    ]);
  });

  it('crosses the end of a year', () => {
    expect(times('30 23 31 12 *', '2026-12-31T23:30:00Z', '2028-01-01T00:00:00Z')).toEqual(['2027-12-31T23:30:00.000Z']);
    expect(times('0 0 * * *', '2026-12-30T12:00:00Z', '2027-01-02T00:00:00Z')).toEqual([
      '2026-12-31T00:00:00.000Z',
      '2027-01-01T00:00:00.000Z',
      '2027-01-02T00:00:00.000Z',
    ]);
  });

  it('handles years 0-99, and gives nothing past the calendar without throwing', () => {
    expect(times('0 0 1 1 *', '0049-12-31T00:00:00Z', '0051-01-01T00:00:00Z')).toEqual(['0050-01-01T00:00:00.000Z', '0051-01-01T00:00:00.000Z']);
    const nearEnd = 8.64e15 - 30 * 86_400_000; // 30 days before the last Date, 275760-09-13
    expect(cronTimesBetween(parseCron('0 0 * * *'), nearEnd, Infinity, 100)).toEqual([]);
    expect(cronTimesBetween(parseCron('0 0 * * *'), Infinity, Infinity)).toEqual([]);
    expect(nextCronTime(parseCron('0 0 1 1 *'), nearEnd)).toBeNull();
  });
});

describe('cronTimesBetween', () => {
  it('excludes from and includes to', () => {
    expect(times('0 * * * *', '2026-03-01T01:00:00Z', '2026-03-01T03:00:00Z')).toEqual(['2026-03-01T02:00:00.000Z', '2026-03-01T03:00:00.000Z']);
    expect(times('0 * * * *', '2026-03-01T00:59:59.999Z', '2026-03-01T02:59:59.999Z')).toEqual(['2026-03-01T01:00:00.000Z', '2026-03-01T02:00:00.000Z']);
    expect(times('0 * * * *', '2026-03-01T01:00:00.001Z', '2026-03-01T02:00:00Z')).toEqual(['2026-03-01T02:00:00.000Z']);
  });

  it('returns nothing for an empty or reversed range', () => {
    const hourly = parseCron('@hourly');
    expect(cronTimesBetween(hourly, at('2026-03-01T01:00:00Z'), at('2026-03-01T01:00:00Z'))).toEqual([]);
    expect(cronTimesBetween(hourly, at('2026-03-01T05:00:00Z'), at('2026-03-01T01:00:00Z'))).toEqual([]);
  });

  it('stops at the limit, 1000 by default', () => {
    const everyMinute = parseCron('* * * * *');
    const from = at('2026-03-01T00:00:00Z');
    expect(cronTimesBetween(everyMinute, from, from + 10 * 86_400_000)).toHaveLength(1000);
    expect(cronTimesBetween(everyMinute, from, from + 10 * 86_400_000, 3).map(iso)).toEqual([
      '2026-03-01T00:01:00.000Z',
      '2026-03-01T00:02:00.000Z',
      '2026-03-01T00:03:00.000Z',
    ]);
    expect(cronTimesBetween(everyMinute, from, from + 86_400_000, 0)).toEqual([]);
  });

  it('walks long spans with rare or no fire times', () => {
    expect(times('0 0 1 1 *', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual(['2027-01-01T00:00:00.000Z']);
    expect(times('0 0 30 2 *', '2000-01-01T00:00:00Z', '2400-01-01T00:00:00Z')).toEqual([]);
    expect(times('0 0 1 1 *', '1970-01-01T00:00:00Z', '2070-01-01T00:00:00Z')).toHaveLength(100);
  });

  it('agrees with a minute-by-minute scan on seeded random expressions', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const pick = (min: number, max: number): string => {
      const a = min + random(max - min + 1);
      const b = a + random(max - a + 1);
      return ['*', `${a}`, `${a}-${b}`, `${a},${b}`, `*/${1 + random(7)}`, `${a}-${b}/${1 + random(3)}`][random(6)] as string;
    };
    // An independent matcher: the values a field allows, read from its text.
    const allows = (text: string, value: number, min: number, max: number): boolean =>
      text.split(',').some((item) => {
        const [range = '', step = '1'] = item.split('/');
        const [low, high] =
          range === '*' ? [min, max] : range.includes('-') ? range.split('-').map(Number) : [Number(range), item.includes('/') ? max : Number(range)];
        return value >= (low as number) && value <= (high as number) && (value - (low as number)) % Number(step) === 0;
      });
    let fired = 0;
    for (let round = 0; round < 40; round++) {
      const fields = [pick(0, 59), pick(0, 23), pick(1, 31), pick(1, 12), pick(1, 7)];
      const schedule = parseCron(fields.join(' '));
      // Spans cross the new year and 29 February 2028.
      const from = at('2027-12-20T00:00:00Z') + random(60) * 86_400_000 + random(1440) * 60_000 - 1;
      const to = from + 25 * 86_400_000;
      const expected: number[] = [];
      const [mi, h, dom, mo, dow] = fields.map((text, i) => {
        const [min, max] = (
          [
            [0, 59],
            [0, 23],
            [1, 31],
            [1, 12],
            [1, 7],
          ] as const
        )[i] as readonly [number, number];
        return Array.from({ length: max + 1 }, (_, v) => allows(text, v, min, max));
      }) as [boolean[], boolean[], boolean[], boolean[], boolean[]];
      const either = !fields[2]?.startsWith('*') && !fields[4]?.startsWith('*');
      for (let t = Math.ceil(from / 60_000) * 60_000; t <= to; t += 60_000) {
        const d = new Date(t);
        const [domOk, dowOk] = [dom[d.getUTCDate()], dow[d.getUTCDay() + 1]]; // Sunday = 1
        const dayOk = either ? domOk || dowOk : domOk && dowOk;
        if (t > from && dayOk && mi[d.getUTCMinutes()] && h[d.getUTCHours()] && mo[d.getUTCMonth() + 1]) expected.push(t);
      }
      expect(cronTimesBetween(schedule, from, to, Infinity), fields.join(' ')).toEqual(expected);
      fired += expected.length;
    }
    expect(fired).toBeGreaterThan(1000);
  });

  it('rejects NaN bounds', () => {
    expect(() => cronTimesBetween(parseCron('@daily'), Number.NaN, 0)).toThrow(ValidationError);
  });
});

describe('nextCronTime', () => {
  it('gives the first fire time strictly after the given time', () => {
    expect(next('0 * * * *', '2026-03-01T10:00:00Z')).toBe('2026-03-01T11:00:00.000Z');
    expect(next('0 * * * *', '2026-03-01T10:59:59.999Z')).toBe('2026-03-01T11:00:00.000Z');
    expect(next('0 9 * * MON-FRI', '2026-03-06T09:00:00Z')).toBe('2026-03-09T09:00:00.000Z');
    expect(next('@yearly', '2026-06-15T00:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
  });

  it('gives null when nothing fires within 5 years', () => {
    expect(next('0 0 30 2 *', '2026-01-01T00:00:00Z')).toBeNull();
    expect(next('0 0 31 4 *', '2026-01-01T00:00:00Z')).toBeNull();
    // 2100 is not a leap year: the next 29 February after 2096 is 8 years later.
    expect(next('0 0 29 2 *', '2096-03-01T00:00:00Z')).toBeNull();
  });
});

describe('invalid expressions', () => {
  /** The ValidationError that parsing `expression` throws. */
  function rejection(expression: unknown): ValidationError {
    try {
      parseCron(expression as string);
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect(CairnError.is(error, 'invalid_input')).toBe(true);
      return error as ValidationError;
    }
    throw new Error(`parseCron(${JSON.stringify(expression)}) did not throw`);
  }

  it.each([
    ['60 * * * *', 'minute', '0-59'],
    ['0-60 * * * *', 'minute', '0-59'],
    ['* 24 * * *', 'hour', '0-23'],
    ['* * 0 * *', 'day-of-month', '1-31'],
    ['* * 32 * *', 'day-of-month', '1-31'],
    ['* * 32W * *', 'day-of-month', '1-31'],
    ['* * * 0 *', 'month', '1-12 or JAN-DEC'],
    ['* * * 13 *', 'month', '1-12 or JAN-DEC'],
    ['* * * * 8', 'day-of-week', '1-7 with Sunday = 1'],
    ['* * * * 0#2', 'day-of-week', '1-7 with Sunday = 1'],
  ])('out of range: %s', (expression, field, allowed) => {
    const error = rejection(expression);
    expect(error.message).toContain(`${field} field of cron expression "${expression}"`);
    expect(error.message).toContain(allowed);
  });

  it.each([
    ['5-3 * * * *', 'larger than'],
    ['0 0 * * FRI-MON', 'larger than'],
    ['0 0 1 DEC-JAN *', 'larger than'],
    ['*/0 * * * *', 'stepping'],
    ['0 1-5/0 * * *', 'stepping'],
    ['*/100 * * * *', 'steps cannot be greater'],
    ['0 0 */ * *', 'stepping'],
    ['0 0 * */x *', 'month field'],
    ['1,,2 * * * *', 'minute'],
    ['0 ,1 * * *', 'hour'],
    ['0 0 * * MOO', 'day-of-week field'],
    ['0 0 1 JANUARY *', 'JANUARY'],
    ['0 0 MON * *', 'day-of-month field'],
    ['JAN * * * *', 'minute field'],
    ['1.5 * * * *', 'minute field'],
    ['0 0 * * 2#6', 'nth weekday'],
    ['0 0 L5 * *', 'L has to be a value of its own'],
    ['1-2-3 * * * *', '1-2-3'],
  ])('not cron syntax: %s', (expression, detail) => {
    const error = rejection(expression);
    expect(error.message).toContain(`cron expression "${expression}"`);
    expect(error.message).toContain(detail);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it.each(['', '   ', '* * * *', '* * * * * *', '0 0 1 1 * 2026', '@reboot', '@every 5m', '@hourly *'])(
    'wrong number of fields or unknown macro: %j',
    (expression) => {
      const error = rejection(expression);
      expect(error.message).toContain('5 fields (minute hour day-of-month month day-of-week)');
      expect(error.message).toContain('@hourly');
    },
  );

  it('rejects a value that is not a string', () => {
    expect(rejection(5).message).toContain('cron expression');
    expect(rejection(undefined).message).toContain('cron expression');
  });
});
