// One journal record read as what happened ("attempt 2 failed, retrying at t", "sleeping until t"), for
// progress lines as an instance runs (the CLI's --wait, the quick-start's narrator). Formatting is theirs.

import type { ErrorSummary, StepKind, StepRecord } from '../records.js';
import { deserialize } from '../serialize.js';

export type StepRecordEvent =
  | { what: 'completed'; kind: StepKind; name: string; attempt: number; durationMs: number; streamedPieces: number | null; output: () => unknown }
  | { what: 'received'; kind: StepKind; name: string; eventType: string }
  | { what: 'failed'; kind: StepKind; name: string; attempt: number; error: ErrorSummary }
  | { what: 'timed out'; kind: StepKind; name: string; eventType: string }
  | { what: 'attempt failed'; kind: StepKind; name: string; attempt: number; error: ErrorSummary; retryAt: number }
  | { what: 'sleeping'; kind: StepKind; name: string; until: number; durationMs: number }
  | { what: 'waiting'; kind: StepKind; name: string; eventType: string; timeoutAt: number }
  | { what: 'piece'; kind: StepKind; name: string; piece: number };

function errorOf(record: StepRecord): ErrorSummary {
  return { name: record.error?.name ?? 'Error', message: record.error?.message ?? 'error' };
}

export function describeStepRecord(record: StepRecord): StepRecordEvent {
  const { kind, name } = record;
  switch (record.state) {
    case 'completed':
      if (kind === 'wait') return { what: 'received', kind, name, eventType: record.eventType ?? '?' };
      return {
        what: 'completed',
        kind,
        name,
        attempt: record.attempt,
        durationMs: record.recordedAt - (record.attemptStartedAt ?? record.startedAt),
        streamedPieces: record.chunks ?? null,
        output: () => (record.chunks === undefined ? deserialize(record.value ?? '-1') : undefined),
      };
    case 'failed':
      if (kind === 'wait') return { what: 'timed out', kind, name, eventType: record.eventType ?? '?' };
      return { what: 'failed', kind, name, attempt: record.attempt, error: errorOf(record) };
    case 'attempt-failed':
      return { what: 'attempt failed', kind, name, attempt: record.attempt, error: errorOf(record), retryAt: record.wakeAt ?? record.recordedAt };
    case 'started':
      if (kind === 'sleep') {
        const until = record.wakeAt ?? record.startedAt;
        return { what: 'sleeping', kind, name, until, durationMs: until - record.startedAt };
      }
      return { what: 'waiting', kind, name, eventType: record.eventType ?? '?', timeoutAt: record.wakeAt ?? record.startedAt };
    case 'chunk':
      return { what: 'piece', kind, name, piece: record.chunk ?? 0 };
  }
}
