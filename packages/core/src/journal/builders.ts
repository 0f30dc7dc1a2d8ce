// Journal records as the engine writes them, built in one place: every field a reader relies on is set here.

import { RECORD_VERSION, type SerializedError, type StepKind, type StepRecord } from '../records.js';
import type { RecordedStepConfig } from '../step-config.js';
import { failedAttemptId, startId, streamPieceId } from './keys.js';

/** What every record of one step call carries. */
export interface StepIdentity {
  key: string;
  kind: StepKind;
  name: string;
  /** The call's place among run()'s step calls. */
  index: number;
  generation: number;
}

function base(step: StepIdentity, attempt: number, startedAt: number, recordedAt: number) {
  return {
    v: RECORD_VERSION,
    key: step.key,
    index: step.index,
    generation: step.generation,
    kind: step.kind,
    name: step.name,
    attempt,
    startedAt,
    recordedAt,
  };
}

/** The outcome of a step: its value (serialized), after `attempt` attempts; `attemptStartedAt` when not the first. */
export function completedRecord(
  step: StepIdentity,
  fields: { attempt: number; startedAt: number; recordedAt: number; value: string; attemptStartedAt?: number; config?: RecordedStepConfig },
): StepRecord {
  const record: StepRecord = { ...base(step, fields.attempt, fields.startedAt, fields.recordedAt), id: step.key, state: 'completed', value: fields.value };
  if (fields.attemptStartedAt !== undefined && fields.attemptStartedAt !== fields.startedAt) record.attemptStartedAt = fields.attemptStartedAt;
  if (fields.config) record.config = fields.config;
  return record;
}

/** The step failed for good: its last error is the outcome. */
export function failedRecord(
  step: StepIdentity,
  fields: {
    attempt: number;
    startedAt: number;
    recordedAt: number;
    error: SerializedError;
    attemptStartedAt?: number;
    config?: RecordedStepConfig;
    eventType?: string;
  },
): StepRecord {
  const record: StepRecord = { ...base(step, fields.attempt, fields.startedAt, fields.recordedAt), id: step.key, state: 'failed', error: fields.error };
  if (fields.attemptStartedAt !== undefined && fields.attemptStartedAt !== fields.startedAt) record.attemptStartedAt = fields.attemptStartedAt;
  if (fields.config) record.config = fields.config;
  if (fields.eventType !== undefined) record.eventType = fields.eventType;
  return record;
}

/** Attempt `attempt` (started at `startedAt`) failed; the next runs at `retryAt`. */
export function attemptFailedRecord(
  step: StepIdentity,
  fields: { attempt: number; startedAt: number; recordedAt: number; error: SerializedError; retryAt: number; config?: RecordedStepConfig },
): StepRecord {
  const record: StepRecord = {
    ...base(step, fields.attempt, fields.startedAt, fields.recordedAt),
    id: failedAttemptId(step.key, fields.attempt),
    state: 'attempt-failed',
    error: fields.error,
    wakeAt: fields.retryAt,
  };
  if (fields.config) record.config = fields.config;
  return record;
}

/** A sleep's end or a wait's deadline (`wakeAt`), fixed the first time the call is reached. */
export function startedRecord(step: StepIdentity, fields: { at: number; wakeAt: number; pausedTotalMs?: number; eventType?: string }): StepRecord {
  const record: StepRecord = { ...base(step, 0, fields.at, fields.at), id: startId(step.key), state: 'started', wakeAt: fields.wakeAt };
  if (fields.pausedTotalMs !== undefined) record.pausedTotalMs = fields.pausedTotalMs;
  if (fields.eventType !== undefined) record.eventType = fields.eventType;
  return record;
}

/** A wait took the event `eventId`. */
export function receivedRecord(step: StepIdentity, fields: { startedAt: number; recordedAt: number; eventId: string; eventType: string }): StepRecord {
  return { ...base(step, 1, fields.startedAt, fields.recordedAt), id: step.key, state: 'completed', eventId: fields.eventId, eventType: fields.eventType };
}

/** Piece `piece` of a streamed result (its serialized bytes). */
export function chunkRecord(
  step: StepIdentity,
  fields: { prefix: string; piece: number; attempt: number; startedAt: number; recordedAt: number; value: string },
): StepRecord {
  return {
    ...base(step, fields.attempt, fields.startedAt, fields.recordedAt),
    id: streamPieceId(fields.prefix, fields.piece),
    state: 'chunk',
    chunk: fields.piece,
    value: fields.value,
  };
}
