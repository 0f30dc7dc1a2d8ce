// Journal records as the engine writes them, built in one place: every field a reader relies on is set here.
// Each builder writes its record as one literal, fields in one order, so records share a shape (hot path).

import { RECORD_VERSION, type SerializedError, type StepKind, type StepRecord } from '../records.js';
import type { RecordedStepConfig } from '../step-config.js';
import { failedAttemptId, startId, streamPieceId } from './keys.js';

/** What every record of one step call carries (a step plan is one). */
export interface StepIdentity {
  key: string;
  kind: StepKind;
  name: string;
  /** The call's place among run()'s step calls. */
  index: number;
}

export interface OutcomeFields {
  attempt: number;
  startedAt: number;
  recordedAt: number;
  /** When the last attempt started, if not the first. */
  attemptStartedAt?: number;
  config?: RecordedStepConfig;
}

function withAttemptStart(record: StepRecord, fields: OutcomeFields): StepRecord {
  if (fields.attemptStartedAt !== undefined && fields.attemptStartedAt !== fields.startedAt) record.attemptStartedAt = fields.attemptStartedAt;
  if (fields.config) record.config = fields.config;
  return record;
}

/** The outcome of a step: its value (serialized), after `attempt` attempts. */
export function completedRecord(step: StepIdentity, generation: number, fields: OutcomeFields & { value: string }): StepRecord {
  const record: StepRecord = {
    v: RECORD_VERSION,
    id: step.key,
    key: step.key,
    index: step.index,
    generation,
    kind: step.kind,
    name: step.name,
    state: 'completed',
    attempt: fields.attempt,
    value: fields.value,
    startedAt: fields.startedAt,
    recordedAt: fields.recordedAt,
  };
  return fields.attemptStartedAt === undefined && !fields.config ? record : withAttemptStart(record, fields);
}

/** The step failed for good: its last error is the outcome (a wait that timed out names the type it waited for). */
export function failedRecord(step: StepIdentity, generation: number, fields: OutcomeFields & { error: SerializedError; eventType?: string }): StepRecord {
  const record: StepRecord = {
    v: RECORD_VERSION,
    id: step.key,
    key: step.key,
    index: step.index,
    generation,
    kind: step.kind,
    name: step.name,
    state: 'failed',
    attempt: fields.attempt,
    error: fields.error,
    startedAt: fields.startedAt,
    recordedAt: fields.recordedAt,
  };
  if (fields.eventType !== undefined) record.eventType = fields.eventType;
  return withAttemptStart(record, fields);
}

/** Attempt `attempt` (started at `startedAt`) failed; the next runs at `retryAt`. */
export function attemptFailedRecord(
  step: StepIdentity,
  generation: number,
  fields: { attempt: number; startedAt: number; recordedAt: number; error: SerializedError; retryAt: number; config?: RecordedStepConfig },
): StepRecord {
  const record: StepRecord = {
    v: RECORD_VERSION,
    id: failedAttemptId(step.key, fields.attempt),
    key: step.key,
    index: step.index,
    generation,
    kind: step.kind,
    name: step.name,
    state: 'attempt-failed',
    attempt: fields.attempt,
    error: fields.error,
    startedAt: fields.startedAt,
    recordedAt: fields.recordedAt,
    wakeAt: fields.retryAt,
  };
  if (fields.config) record.config = fields.config;
  return record;
}

/** A sleep's end or a wait's deadline (`wakeAt`), fixed the first time the call is reached. */
export function startedRecord(
  step: StepIdentity,
  generation: number,
  fields: { at: number; wakeAt: number; pausedTotalMs?: number; eventType?: string },
): StepRecord {
  const record: StepRecord = {
    v: RECORD_VERSION,
    id: startId(step.key),
    key: step.key,
    index: step.index,
    generation,
    kind: step.kind,
    name: step.name,
    state: 'started',
    attempt: 0,
    startedAt: fields.at,
    recordedAt: fields.at,
    wakeAt: fields.wakeAt,
  };
  if (fields.pausedTotalMs !== undefined) record.pausedTotalMs = fields.pausedTotalMs;
  if (fields.eventType !== undefined) record.eventType = fields.eventType;
  return record;
}

/** A wait took the event: its id, type, time and payload (so a replay needs the event no more). */
export function receivedRecord(
  step: StepIdentity,
  generation: number,
  fields: { startedAt: number; recordedAt: number; eventId: string; eventType: string; payload: string; eventTimestamp: number },
): StepRecord {
  return {
    v: RECORD_VERSION,
    id: step.key,
    key: step.key,
    index: step.index,
    generation,
    kind: step.kind,
    name: step.name,
    state: 'completed',
    attempt: 1,
    value: fields.payload,
    startedAt: fields.startedAt,
    recordedAt: fields.recordedAt,
    eventId: fields.eventId,
    eventType: fields.eventType,
    eventTimestamp: fields.eventTimestamp,
  };
}

/** Piece `piece` of a streamed result (its serialized bytes). */
export function chunkRecord(
  step: StepIdentity,
  generation: number,
  fields: { prefix: string; piece: number; attempt: number; startedAt: number; recordedAt: number; value: string },
): StepRecord {
  return {
    v: RECORD_VERSION,
    id: streamPieceId(fields.prefix, fields.piece),
    key: step.key,
    index: step.index,
    generation,
    kind: step.kind,
    name: step.name,
    state: 'chunk',
    attempt: fields.attempt,
    value: fields.value,
    startedAt: fields.startedAt,
    recordedAt: fields.recordedAt,
    chunk: fields.piece,
  };
}
