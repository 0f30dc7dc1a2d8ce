// The persisted shapes. These zod schemas are the one source of truth: adapters parse every record they
// read back with them (`parseInstanceRecord`, ...), so a corrupt or foreign row fails loudly and early.

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { TraceParentSchema } from './shared/trace-parent.js';

export const RECORD_VERSION = 1 as const;

/** A workflow code version's name: what `versions` keys and `current` say, and what an instance records. */
export const WorkflowVersionSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-", starting with a letter or digit');

/** Serialized dispatcher metadata is at most this long (it is routing data: a tenant id, a worker name, ...). */
export const MAX_METADATA_BYTES = 16 * 1024;

export const InstanceStatusSchema = z.enum(['queued', 'running', 'paused', 'errored', 'terminated', 'complete', 'waiting', 'waitingForPause', 'unknown']);
export type InstanceStatusName = z.infer<typeof InstanceStatusSchema>;

export const FINISHED_STATUSES: ReadonlySet<InstanceStatusName> = new Set(['complete', 'errored', 'terminated']);

const ErrorSummarySchema = z.object({ name: z.string(), message: z.string() });
export type ErrorSummary = z.infer<typeof ErrorSummarySchema>;

/** How the rollbacks of a failed instance went (Cloudflare's shape): all ran, or one failed for good and the rest were not run. */
export const RollbackSummarySchema = z.object({
  outcome: z.enum(['complete', 'failed']),
  error: ErrorSummarySchema.nullable(),
});
export type RollbackSummary = z.infer<typeof RollbackSummarySchema>;

/** An errored instance's error; `rollback` is there when step rollbacks ran (kept with the error so that no store needs a column). */
const InstanceErrorSchema = ErrorSummarySchema.extend({ rollback: RollbackSummarySchema.optional() });
export type InstanceError = z.infer<typeof InstanceErrorSchema>;

export const InstanceRecordSchema = z.object({
  v: z.literal(RECORD_VERSION),
  workflowName: z.string().min(1),
  instanceId: z.string().min(1),
  status: InstanceStatusSchema,
  /** Serialized params (see `serialize`). */
  params: z.string(),
  /** Serialized output, once complete. */
  output: z.string().nullable(),
  error: InstanceErrorSchema.nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  finishedAt: z.number().nullable(),
  /** Incremented by every write to this record; the compare-and-set key of `updateInstance`. */
  version: z.number().int().nonnegative(),
  /** Incremented by `restart()`: step records of older generations are dead. */
  generation: z.number().int().nonnegative(),
  /** The runner holding the instance, or null. */
  leaseOwner: z.string().nullable(),
  /** Fencing token: incremented by each acquisition, never reused. Step writes must carry the current one. */
  leaseToken: z.number().int().nonnegative(),
  leaseExpiresAt: z.number().nullable(),
  /** When the instance must next be woken (epoch ms), or null: the due-wake-up index. */
  wakeAt: z.number().nullable(),
  /** Incremented at each suspension; names the wake-up so that scheduling it twice is idempotent. */
  wakeSeq: z.number().int().nonnegative(),
  /** Count of events appended; an event arriving mid-replay makes the runner's release conflict. */
  eventSeq: z.number().int().nonnegative(),
  pausedAt: z.number().nullable(),
  /** Total time spent paused; sleeps in progress are extended by the pause. */
  pausedTotalMs: z.number().nonnegative(),
  /** Times a runner took the instance over from a runner whose lease expired (a crash). */
  recoveries: z.number().int().nonnegative(),
  /** Retention: the store may delete the instance after this time (epoch ms). */
  expiresAt: z.number().nullable(),
  /**
   * Set only by `create({ retention })`: how long the instance is kept once complete, or once errored or
   * terminated, instead of the runtime's `retention`. Absent on most instances (stores need not hold a null).
   */
  successRetentionMs: z.number().nonnegative().optional(),
  errorRetentionMs: z.number().nonnegative().optional(),
  /**
   * Random, set at creation and never changed: names this instance's wake-ups (schedules, tasks), so that an id
   * deleted and created again never shares a wake-up name with the deleted instance. Absent on older records.
   */
  incarnation: z.string().min(1).max(32).optional(),
  /** Events consumed by waits of the current generation, as the runner last recorded it (for the buffer cap). */
  eventsConsumed: z.number().int().nonnegative().optional(),
  /**
   * Set at creation when telemetry is on, never changed: the W3C traceparent of the span that created the
   * instance, so that every later replay, in any process, joins the instance's trace. Absent otherwise.
   */
  trace: TraceParentSchema.optional(),
  /**
   * Set at creation, never changed: serialized dispatcher metadata (`@cairn/dynamic`: the tenant an instance
   * belongs to), kept beside the params rather than inside them. Absent on most instances.
   */
  metadata: z.string().max(MAX_METADATA_BYTES).optional(),
  /**
   * The version of the workflow's code that started this instance (a registration with `versions`, or a dynamic
   * loader's): every replay runs that version's code. Changed only by `restart({ version })`. Absent when the
   * workflow has no versions.
   */
  workflowVersion: WorkflowVersionSchema.optional(),
});
export type InstanceRecord = z.infer<typeof InstanceRecordSchema>;

const SerializedErrorSchema = z.object({
  name: z.string(),
  message: z.string(),
  stack: z.string().optional(),
  /** Serialized own enumerable properties (`code`, ...). */
  props: z.string().optional(),
});
export type SerializedError = z.infer<typeof SerializedErrorSchema>;

const RecordedStepConfigSchema = z.object({
  retries: z.object({
    limit: z.number(),
    delay: z.union([z.number(), z.literal('function')]),
    backoff: z.enum(['constant', 'linear', 'exponential']),
  }),
  timeout: z.number(),
  sensitive: z.literal('output').optional(),
});

/** `rollback`: a `step.do` rollback handler that ran because the instance failed (key `rollback:<name>-<n>`). */
const StepKindSchema = z.enum(['do', 'sleep', 'wait', 'rollback']);
export type StepKind = z.infer<typeof StepKindSchema>;

/**
 * One journal entry. Entries are append-only: `id` is unique within a generation and the first write of
 * an id wins. A step key (`do:charge-1`) owns these ids:
 * - `<key>`: the outcome, `completed` (value) or `failed` (error); never changes once written;
 * - `<key>#<n>`: attempt n failed and another will run at `wakeAt`;
 * - `<key>#start`: a sleep's end (`wakeAt`) or a wait's deadline, fixed when first reached;
 * - `<key>#<n>@<token>.<i>`: piece i of a streamed result (state `chunk`); the outcome names the pieces.
 */
export const StepRecordSchema = z.object({
  v: z.literal(RECORD_VERSION),
  id: z.string().min(1),
  key: z.string().min(1),
  generation: z.number().int().nonnegative(),
  kind: StepKindSchema,
  name: z.string(),
  /** The step's place among the step calls of `run()` (1 for the first call): the program's order. */
  index: z.number().int().positive().optional(),
  /** No other step of run() was in flight when it was called: its place in the order is fixed (determinism guard). */
  sequential: z.literal(true).optional(),
  state: z.enum(['completed', 'failed', 'attempt-failed', 'started', 'chunk']),
  /** Attempts made so far (outcome and attempt records). */
  attempt: z.number().int().nonnegative(),
  value: z.string().optional(),
  error: SerializedErrorSchema.optional(),
  config: RecordedStepConfigSchema.optional(),
  /** When the step was first attempted (a sleep or wait: first reached); on a failed attempt, that attempt's start. */
  startedAt: z.number(),
  recordedAt: z.number(),
  /** On an outcome reached after retries: when its last attempt started. */
  attemptStartedAt: z.number().optional(),
  wakeAt: z.number().optional(),
  /** The event a wait consumed, or the type it waits for. A wait's outcome keeps the event's payload in `value`. */
  eventId: z.string().optional(),
  eventType: z.string().optional(),
  /** When the event a wait consumed was sent. */
  eventTimestamp: z.number().optional(),
  /** Total paused time when a sleep started; a later pause extends it. */
  pausedTotalMs: z.number().optional(),
  /** A streamed result: on the outcome, how many pieces (its `value` is their id prefix); on a piece, its place. */
  chunks: z.number().int().nonnegative().optional(),
  chunk: z.number().int().nonnegative().optional(),
});
export type StepRecord = z.infer<typeof StepRecordSchema>;

export const EventRecordSchema = z.object({
  v: z.literal(RECORD_VERSION),
  /** Sortable: events are delivered in `id` order (time, then a random tiebreak). */
  id: z.string().min(1),
  type: z.string().min(1),
  /** Serialized payload. */
  payload: z.string(),
  timestamp: z.number(),
  /**
   * For an event sent with an idempotency key (whose id is the key): a stamp made as generated ids are (time, then
   * a per-process counter), so that it takes its place among events of the same millisecond in the order sent.
   */
  order: z.string().min(1).optional(),
});
export type EventRecord = z.infer<typeof EventRecordSchema>;

/** What `loadJournal` returns: the instance, its current generation's steps (recording order) and events (id order). */
export interface Journal {
  instance: InstanceRecord;
  steps: StepRecord[];
  events: EventRecord[];
}

/**
 * The record of an instance just created (`queued`, no lease, nothing recorded), due at `createdAt`
 * unless `wakeAt` says otherwise. `params` is already serialized.
 */
export function newInstanceRecord(fields: {
  workflowName: string;
  instanceId: string;
  params: string;
  createdAt: number;
  wakeAt?: number | null;
  successRetentionMs?: number;
  errorRetentionMs?: number;
  /** @default a fresh one */
  incarnation?: string;
  metadata?: string;
  workflowVersion?: string;
}): InstanceRecord {
  const record: InstanceRecord = {
    v: RECORD_VERSION,
    workflowName: fields.workflowName,
    instanceId: fields.instanceId,
    status: 'queued',
    params: fields.params,
    output: null,
    error: null,
    createdAt: fields.createdAt,
    updatedAt: fields.createdAt,
    finishedAt: null,
    version: 0,
    generation: 0,
    leaseOwner: null,
    leaseToken: 0,
    leaseExpiresAt: null,
    wakeAt: fields.wakeAt === undefined ? fields.createdAt : fields.wakeAt,
    wakeSeq: 0,
    eventSeq: 0,
    pausedAt: null,
    pausedTotalMs: 0,
    recoveries: 0,
    expiresAt: null,
  };
  if (fields.successRetentionMs !== undefined) record.successRetentionMs = fields.successRetentionMs;
  if (fields.errorRetentionMs !== undefined) record.errorRetentionMs = fields.errorRetentionMs;
  record.incarnation = fields.incarnation ?? newIncarnation();
  if (fields.metadata !== undefined) record.metadata = fields.metadata;
  if (fields.workflowVersion !== undefined) record.workflowVersion = fields.workflowVersion;
  return record;
}

/** A fresh incarnation: 10 hex characters (40 random bits). */
export function newIncarnation(): string {
  return randomUUID().replace(/-/g, '').slice(0, 10);
}

/** When a finished instance expires: its own retention for that outcome if it has one, else the runtime's. */
export function expiryOf(
  instance: InstanceRecord,
  status: 'complete' | 'errored' | 'terminated',
  now: number,
  runtimeRetentionMs: number | null,
): number | null {
  const own = status === 'complete' ? instance.successRetentionMs : instance.errorRetentionMs;
  const retention = own ?? runtimeRetentionMs;
  return retention === null ? null : now + retention;
}

export function parseInstanceRecord(value: unknown): InstanceRecord {
  return InstanceRecordSchema.parse(value);
}
export function parseStepRecord(value: unknown): StepRecord {
  return StepRecordSchema.parse(value);
}
export function parseEventRecord(value: unknown): EventRecord {
  return EventRecordSchema.parse(value);
}

let lastEventTime = 0;
let eventCounter = 0;

/**
 * A new event id, sortable: time, then a counter that keeps events sent by this process in the same
 * millisecond in send order, then a random suffix that keeps ids from different processes unique.
 */
export function newEventId(now: number): string {
  if (now > lastEventTime) {
    lastEventTime = now;
    eventCounter = 0;
  } else eventCounter++;
  const random = Math.random().toString(36).slice(2, 8).padEnd(6, '0');
  return `${lastEventTime.toString(36).padStart(9, '0')}-${eventCounter.toString(36).padStart(4, '0')}${random}`;
}
