// Which waits the environment may end by moving virtual time: all of them (time skipping), or the
// sleeps, retry delays and event timeouts a test opted into.

import { FINISHED_STATUSES, type Journal } from '@cairn/core';
import { stepHistory, type StepHistoryEntry } from './history.js';
import { matches, type RuleSelector } from './selectors.js';

export interface TimeRules {
  /** Every timer may be skipped to (Temporal's time-skipping). */
  everything: boolean;
  sleeps: 'all' | RuleSelector[];
  retryDelays: 'all' | RuleSelector[];
  eventTimeouts: RuleSelector[];
}

export function createTimeRules(everything: boolean): TimeRules {
  return { everything, sleeps: [], retryDelays: [], eventTimeouts: [] };
}

/** A rule an introspector added, removed again when it is disposed. */
export interface ScopedTimeRule {
  kind: 'sleeps' | 'retryDelays' | 'eventTimeouts';
  selector: RuleSelector;
}

const union = (a: 'all' | RuleSelector[], b: 'all' | RuleSelector[]): 'all' | RuleSelector[] => (a === 'all' || b === 'all' ? 'all' : [...a, ...b]);

/** The rules with the scoped ones and any widening (a wait that lets more pass) folded in. */
export function combineRules(base: TimeRules, scoped: Iterable<ScopedTimeRule>, widen: Partial<Pick<TimeRules, 'sleeps' | 'retryDelays'>> = {}): TimeRules {
  const rules: TimeRules = { ...base, eventTimeouts: [...base.eventTimeouts] };
  for (const rule of scoped) {
    if (rule.kind === 'eventTimeouts') rules.eventTimeouts.push(rule.selector);
    else rules[rule.kind] = union(rules[rule.kind], [rule.selector]);
  }
  if (widen.sleeps) rules.sleeps = union(rules.sleeps, widen.sleeps);
  if (widen.retryDelays) rules.retryDelays = union(rules.retryDelays, widen.retryDelays);
  return rules;
}

const selected = (rule: 'all' | RuleSelector[], journal: Journal, entry: StepHistoryEntry) =>
  rule === 'all' ||
  rule.some((selector) =>
    matches(selector, { workflowName: journal.instance.workflowName, instanceId: journal.instance.instanceId, name: entry.name, count: entry.count }),
  );

/** Times after `now` at which a wait of this instance that the rules allow to skip ends. */
export function skippableWakeTimes(journal: Journal, rules: TimeRules, now: number): number[] {
  const { status } = journal.instance;
  if (FINISHED_STATUSES.has(status) || status === 'paused') return [];
  const times: number[] = [];
  for (const entry of stepHistory(journal, now)) {
    if (entry.wakeAt === undefined || entry.wakeAt <= now) continue;
    const allowed =
      (entry.state === 'sleeping' && selected(rules.sleeps, journal, entry)) ||
      (entry.state === 'retrying' && selected(rules.retryDelays, journal, entry)) ||
      (entry.state === 'waiting' && selected(rules.eventTimeouts, journal, entry));
    if (allowed) times.push(entry.wakeAt);
  }
  return times;
}

/** One line per open wait, for the message of a test that cannot go on. */
export function describeWaits(journal: Journal, now: number): string {
  const { workflowName, instanceId, status } = journal.instance;
  const open = stepHistory(journal, now).filter((entry) => entry.state !== 'completed' && entry.state !== 'failed');
  const waits = open.map((entry) => {
    const until = entry.wakeAt === undefined ? '' : ` until ${new Date(entry.wakeAt).toISOString()}`;
    if (entry.state === 'waiting') return `waitForEvent "${entry.name}" (type "${entry.eventType}")${until}`;
    if (entry.state === 'sleeping') return `sleep "${entry.name}"${until}`;
    return `retry of step "${entry.name}" (attempt ${entry.attempts + 1})${until}`;
  });
  return `${workflowName}/${instanceId} is ${status}${waits.length ? `: ${waits.join('; ')}` : ''}`;
}
