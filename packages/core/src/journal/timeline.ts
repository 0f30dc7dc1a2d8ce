// A journal read as a step timeline: one entry per step call, in program order, with its attempts, state,
// output or error. The CLI, the testkit's history, the explorer and the REST inspection routes all use it.

import { FINISHED_STATUSES, RECORD_VERSION, type ErrorSummary, type EventRecord, type Journal, type StepKind, type StepRecord } from '../records.js';
import { deserialize } from '../serialize.js';
import type { RecordedStepConfig } from '../step-config.js';
import { countOfKey } from './keys.js';

export type StepTimelineState = 'completed' | 'failed' | 'retrying' | 'sleeping' | 'slept' | 'waiting' | 'received' | 'timed out' | 'cancelled';

export interface StepTimelineAttempt {
  attempt: number;
  /** Null when the journal does not know (an attempt recorded before attempt times were kept). */
  startedAt: number | null;
  endedAt: number;
  outcome: 'completed' | 'failed';
  error: ErrorSummary | null;
  /** A failed attempt that was to be retried: when the next attempt was due. Null for the outcome's attempt. */
  retryAt: number | null;
}

export interface StepTimelineEntry {
  /** The journal key: `<kind>:<name>-<count>`. */
  key: string;
  kind: StepKind;
  name: string;
  /** 1 for the first call of this name, 2 for the second... */
  count: number;
  state: StepTimelineState;
  /** Attempts made (a `do` or rollback); sleeps and waits count 1 once over. */
  attempts: number;
  /** Every recorded attempt of a `do` or rollback, in order (failed ones, then the outcome's). */
  attemptList: StepTimelineAttempt[];
  startedAt: number;
  /** When the outcome was recorded, a sleep ended, or the instance finished under it; null while in progress. */
  endedAt: number | null;
  /** Until the end, or until now while in progress; a sleep's planned length. */
  durationMs: number;
  /** Still in progress. */
  open: boolean;
  /** A completed `do`'s output (a streamed one as its bytes), or the payload of the event a wait received. Absent when not decoded. */
  output?: unknown;
  /** The outcome's error (a `do` that failed for good, a wait that timed out). */
  error: ErrorSummary | null;
  /** When a sleep ends, a wait times out, or the next attempt runs. */
  wakeAt: number | null;
  /** The event type a wait waits for or received, and the event it received. */
  eventType: string | null;
  event: EventRecord | null;
  /** The config recorded with the step (its first attempt's), when one was. */
  config: RecordedStepConfig | null;
  /** `sensitive: 'output'`: the output is not decoded. */
  sensitive: boolean;
}

export interface TimelineOptions {
  /** Decode outputs and event payloads. @default true */
  decode?: boolean;
  /** Decode the outputs of `sensitive: 'output'` steps too (tests). @default false */
  showSensitive?: boolean;
}

/** The timeline of the journal's generation at `now`. */
export function buildStepTimeline(journal: Journal, now: number, options: TimelineOptions = {}): StepTimelineEntry[] {
  const groups = new Map<string, StepRecord[]>();
  for (const record of journal.steps) {
    const list = groups.get(record.key);
    if (list) list.push(record);
    else groups.set(record.key, [record]);
  }
  const context: EntryContext = {
    journal,
    now,
    finished: FINISHED_STATUSES.has(journal.instance.status),
    end: FINISHED_STATUSES.has(journal.instance.status) ? (journal.instance.finishedAt ?? journal.instance.updatedAt) : now,
    decode: options.decode !== false,
    showSensitive: options.showSensitive === true,
  };
  // Program order: the step's place among run()'s step calls when recorded, else journal order.
  const entries = [...groups.entries()].map(([key, records], position) => ({
    order: records.find((record) => record.index !== undefined)?.index ?? Number.MAX_SAFE_INTEGER / 2 + position,
    position,
    entry: entryOf(key, records, context),
  }));
  entries.sort((a, b) => a.order - b.order || a.entry.startedAt - b.entry.startedAt || a.position - b.position);
  return entries.map(({ entry }) => entry);
}

interface EntryContext {
  journal: Journal;
  now: number;
  finished: boolean;
  /** The instance's end, or now. */
  end: number;
  decode: boolean;
  showSensitive: boolean;
}

function entryOf(key: string, records: StepRecord[], context: EntryContext): StepTimelineEntry {
  const first = records[0]!;
  const outcome = records.find((record) => record.state === 'completed' || record.state === 'failed');
  const start = records.find((record) => record.state === 'started');
  const config = records.find((record) => record.config !== undefined)?.config ?? null;
  const entry: StepTimelineEntry = {
    key,
    kind: first.kind,
    name: first.name,
    count: countOfKey(key),
    state: 'completed',
    attempts: 0,
    attemptList: [],
    startedAt: Math.min(...records.map((record) => record.startedAt)),
    endedAt: null,
    durationMs: 0,
    open: false,
    error: outcome?.error ? { name: outcome.error.name, message: outcome.error.message } : null,
    wakeAt: null,
    eventType: outcome?.eventType ?? start?.eventType ?? null,
    event: null,
    config,
    sensitive: config?.sensitive === 'output',
  };
  if (first.kind === 'do' || first.kind === 'rollback') fillCall(entry, records, outcome, context);
  else if (first.kind === 'sleep') fillSleep(entry, start, context);
  else fillWait(entry, start, outcome, context);
  return entry;
}

function settle(entry: StepTimelineEntry, state: StepTimelineState, endedAt: number | null, context: EntryContext): void {
  entry.state = state;
  entry.open = endedAt === null;
  entry.endedAt = endedAt;
  entry.durationMs = (endedAt ?? context.end) - entry.startedAt;
}

function fillCall(entry: StepTimelineEntry, records: StepRecord[], outcome: StepRecord | undefined, context: EntryContext): void {
  const failures = records.filter((record) => record.state === 'attempt-failed').sort((a, b) => a.attempt - b.attempt);
  // A failed attempt's record holds its own start; older records held the step's first start (before the previous
  // attempt ended), which is no attempt's start: unknown.
  let previousEnd = Number.NEGATIVE_INFINITY;
  entry.attemptList = failures.map((record) => {
    const known = record.startedAt >= previousEnd && record.startedAt <= record.recordedAt;
    previousEnd = record.recordedAt;
    return {
      attempt: record.attempt,
      startedAt: known ? record.startedAt : null,
      endedAt: record.recordedAt,
      outcome: 'failed' as const,
      error: record.error ? { name: record.error.name, message: record.error.message } : null,
      retryAt: record.wakeAt ?? null,
    };
  });
  const lastFailure = failures[failures.length - 1];
  entry.attempts = Math.max(outcome?.attempt ?? 0, lastFailure?.attempt ?? 0);
  if (outcome) {
    entry.attemptList.push({
      attempt: outcome.attempt,
      startedAt: outcome.attemptStartedAt ?? (outcome.attempt === 1 ? outcome.startedAt : (lastFailure?.recordedAt ?? null)),
      endedAt: outcome.recordedAt,
      outcome: outcome.state === 'completed' ? 'completed' : 'failed',
      error: entry.error,
      retryAt: null,
    });
    settle(entry, outcome.state === 'completed' ? 'completed' : 'failed', outcome.recordedAt, context);
    if (outcome.state === 'completed' && context.decode && (!entry.sensitive || context.showSensitive)) entry.output = outputOf(outcome, records);
    return;
  }
  entry.wakeAt = lastFailure?.wakeAt ?? null;
  settle(entry, context.finished ? 'cancelled' : 'retrying', context.finished ? context.end : null, context);
}

function fillSleep(entry: StepTimelineEntry, start: StepRecord | undefined, context: EntryContext): void {
  const { instance } = context.journal;
  // A pause that began after the sleep started extends it (as the engine computes it).
  const shift = start ? instance.pausedTotalMs - (start.pausedTotalMs ?? instance.pausedTotalMs) : 0;
  const wakeAt = (start?.wakeAt ?? entry.startedAt) + shift;
  entry.wakeAt = wakeAt;
  if (wakeAt <= context.end) {
    entry.attempts = 1;
    settle(entry, 'slept', wakeAt, context);
  } else settle(entry, context.finished ? 'cancelled' : 'sleeping', context.finished ? context.end : null, context);
  // A sleep's length is what it asked for, also while it runs.
  if (!context.finished || wakeAt <= context.end) entry.durationMs = wakeAt - entry.startedAt;
}

function fillWait(entry: StepTimelineEntry, start: StepRecord | undefined, outcome: StepRecord | undefined, context: EntryContext): void {
  entry.wakeAt = start?.wakeAt ?? null;
  if (!outcome) {
    settle(entry, context.finished ? 'cancelled' : 'waiting', context.finished ? context.end : null, context);
    return;
  }
  entry.attempts = 1;
  settle(entry, outcome.state === 'completed' ? 'received' : 'timed out', outcome.recordedAt, context);
  if (outcome.state !== 'completed') return;
  // The outcome holds the event it took (older records only name it: it is then in the journal's events).
  entry.event =
    outcome.value !== undefined && outcome.eventTimestamp !== undefined && outcome.eventId !== undefined
      ? { v: RECORD_VERSION, id: outcome.eventId, type: outcome.eventType ?? '', payload: outcome.value, timestamp: outcome.eventTimestamp }
      : (context.journal.events.find((event) => event.id === outcome.eventId) ?? null);
  if (entry.event && context.decode) entry.output = deserialize(entry.event.payload);
}

/** A completed step's output: its value, or a streamed result's bytes joined from the pieces its outcome names. */
function outputOf(outcome: StepRecord, records: StepRecord[]): unknown {
  if (outcome.chunks === undefined) return outcome.value === undefined ? undefined : deserialize(outcome.value);
  const prefix = `${deserialize<string>(outcome.value ?? '-1')}.`;
  const pieces = records
    .filter((record) => record.state === 'chunk' && record.id.startsWith(prefix))
    .sort((a, b) => (a.chunk ?? 0) - (b.chunk ?? 0))
    .map((record) => deserialize<Uint8Array>(record.value ?? '-1'));
  const bytes = new Uint8Array(pieces.reduce((total, piece) => total + piece.byteLength, 0));
  let offset = 0;
  for (const piece of pieces) {
    bytes.set(piece, offset);
    offset += piece.byteLength;
  }
  return bytes;
}
