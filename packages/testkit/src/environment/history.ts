// A readable step history from a journal: one entry per step call (key), with its attempts, value and error.

import { deserialize, type ErrorSummary, type Journal, type StepRecord } from '@cairn/core';

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
  /** Attempts made so far (0 for sleeps and waits not yet finished). */
  attempts: number;
  /** A `do` step's output (a streamed one as its bytes, a Uint8Array), or the payload of the event a wait received. */
  value?: unknown;
  /** Why the step failed (a `do` step's last error, or a wait's timeout). */
  error?: ErrorSummary;
  /** Each failed attempt before the outcome (or before the retry to come). */
  attemptErrors: Array<ErrorSummary & { attempt: number }>;
  startedAt: number;
  /** When the outcome was recorded. */
  finishedAt?: number;
  /** A sleep's end, a wait's deadline, or when the next retry runs. */
  wakeAt?: number;
  /** The event type a wait waits for, or received. */
  eventType?: string;
}

/** Builds the history of the current generation; `now` decides whether a sleep is over. */
export function stepHistory(journal: Journal, now: number): StepHistoryEntry[] {
  const groups = new Map<string, StepRecord[]>();
  for (const step of journal.steps) {
    const group = groups.get(step.key);
    if (group) group.push(step);
    else groups.set(step.key, [step]);
  }
  const entries: StepHistoryEntry[] = [];
  for (const [key, records] of groups) entries.push(entryOf(key, records, journal, now));
  // Program order: the step's place among run()'s step calls; records without it keep journal order.
  const order = (key: string) => groups.get(key)!.find((record) => record.index !== undefined)?.index ?? Number.MAX_SAFE_INTEGER;
  return entries.map((entry, i) => ({ entry, i })).sort((a, b) => order(a.entry.key) - order(b.entry.key) || a.i - b.i).map(({ entry }) => entry);
}

function entryOf(key: string, records: StepRecord[], journal: Journal, now: number): StepHistoryEntry {
  const first = records[0]!;
  const outcome = records.find((record) => record.state === 'completed' || record.state === 'failed');
  const start = records.find((record) => record.state === 'started');
  const failedAttempts = records
    .filter((record) => record.state === 'attempt-failed')
    .sort((a, b) => a.attempt - b.attempt);
  const entry: StepHistoryEntry = {
    key,
    kind: first.kind,
    name: first.name,
    count: Number(/-(\d+)$/.exec(key)?.[1] ?? 1),
    state: 'completed',
    attempts: Math.max(outcome?.attempt ?? 0, ...failedAttempts.map((record) => record.attempt)),
    attemptErrors: failedAttempts.map((record) => ({
      attempt: record.attempt,
      name: record.error?.name ?? 'Error',
      message: record.error?.message ?? '',
    })),
    startedAt: Math.min(...records.map((record) => record.startedAt)),
  };
  const eventType = outcome?.eventType ?? start?.eventType;
  if (eventType !== undefined) entry.eventType = eventType;

  if (outcome) {
    entry.state = outcome.state === 'completed' ? 'completed' : 'failed';
    entry.finishedAt = outcome.recordedAt;
    if (outcome.error) entry.error = { name: outcome.error.name, message: outcome.error.message };
    if (outcome.state === 'completed') {
      if (first.kind === 'wait') {
        const event = journal.events.find((one) => one.id === outcome.eventId);
        if (event) entry.value = deserialize(event.payload);
      } else if (outcome.chunks !== undefined) {
        entry.value = streamedBytes(records, outcome);
      } else if (outcome.value !== undefined) {
        entry.value = deserialize(outcome.value);
      }
    }
    return entry;
  }
  if (first.kind === 'sleep' && start?.wakeAt !== undefined) {
    // A pause that began after the sleep started extends it (as the engine computes it).
    const wakeAt = start.wakeAt + journal.instance.pausedTotalMs - (start.pausedTotalMs ?? journal.instance.pausedTotalMs);
    entry.wakeAt = wakeAt;
    entry.state = wakeAt <= now ? 'completed' : 'sleeping';
    if (entry.state === 'completed') entry.finishedAt = wakeAt;
    return entry;
  }
  if (first.kind === 'wait') {
    entry.state = 'waiting';
    if (start?.wakeAt !== undefined) entry.wakeAt = start.wakeAt;
    return entry;
  }
  const last = failedAttempts[failedAttempts.length - 1];
  entry.state = 'retrying';
  if (last?.wakeAt !== undefined) entry.wakeAt = last.wakeAt;
  return entry;
}

/** A streamed result's bytes, joined from the pieces its outcome names. */
function streamedBytes(records: StepRecord[], outcome: StepRecord): Uint8Array {
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
