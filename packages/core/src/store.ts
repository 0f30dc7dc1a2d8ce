// The storage port. A store persists instances, their append-only step journal and their event inbox.
// It is small on purpose: every method is one round trip on DynamoDB, Firestore or SQLite, and all
// behaviour (keys, serialization, retries, leases) lives in core and calls it. `@cairn/testkit`'s
// `describeStoreConformance` checks every promise written here.

import type { EventRecord, InstanceRecord, InstanceStatusName, Journal, StepRecord } from './records.js';

export interface InstanceRef {
  workflowName: string;
  instanceId: string;
}

export interface CreateInstanceParams {
  instance: InstanceRecord;
}

/** Every field a runner or a control operation may change. `version` is set by the store. */
export type InstancePatch = Partial<
  Omit<
    InstanceRecord,
    'v' | 'workflowName' | 'instanceId' | 'version' | 'createdAt' | 'params' | 'successRetentionMs' | 'errorRetentionMs' | 'incarnation' | 'trace' | 'metadata'
  >
>;

export interface UpdateInstanceParams extends InstanceRef {
  /** The write applies only if the stored record still has this version. */
  expectedVersion: number;
  patch: InstancePatch;
}

export interface RecordStepParams extends InstanceRef {
  /** The writer's fencing token: the write applies only while `leaseOwner` is set and `leaseToken` equals it. */
  leaseToken: number;
  step: StepRecord;
}

export type RecordStepResult = { recorded: true } | { recorded: false; existing: StepRecord };

export interface AppendEventParams extends InstanceRef {
  event: EventRecord;
}

export interface ListInstancesParams {
  workflowName?: string;
  status?: InstanceStatusName;
  /** At most this many per page (the store may cap it). @default 50 */
  limit?: number;
  /** Opaque, from the previous page's `nextCursor`. */
  cursor?: string;
}

export interface CountInstancesParams {
  workflowName?: string;
}

/** Instances by status; a status with none may be absent. */
export type InstanceCounts = Partial<Record<InstanceStatusName, number>>;

export interface InstancePage {
  instances: InstanceRecord[];
  /** Present when more instances follow. */
  nextCursor?: string;
}

export interface ClaimNonceParams {
  key: string;
  /** Epoch ms the claim lasts until. */
  expiresAt: number;
  /** The caller's now: a claim with `expiresAt <= now` is no longer live. */
  now: number;
}

export interface ListDueParams {
  now: number;
  limit: number;
}

export interface DueInstance extends InstanceRef {
  wakeAt: number;
}

export interface ClaimDueParams extends ListDueParams {
  /** Epoch ms: the instances claimed are left out of every other claim until then, or until the instance's next update. */
  claimUntil: number;
  /** Only this instance (a wake-up announced for it). */
  ref?: InstanceRef;
}

/**
 * A durable journal of workflow instances. Every rule below is checked by `@cairn/testkit`'s
 * `describeStoreConformance` (the test that checks it is named after it).
 *
 * Records
 * - Reads see your own writes; a method resolves only once its write is durable by the store's standard.
 * - Every record read back equals what was written, field for field and string for string (no Unicode
 *   normalisation, lone surrogates and `__proto__` keys kept), and is parsed with core's schemas
 *   (`parseInstanceRecord`, `parseStepRecord`, `parseEventRecord`): a stored record that does not parse is an
 *   `AdapterError` (or `CorruptRecordError`) naming the instance, never data.
 * - Returned records are copies: mutating one, or a record given to a write, changes nothing stored.
 * - Optional record fields (`successRetentionMs`, `errorRetentionMs`, `incarnation`, `eventsConsumed`) read
 *   back absent when they were absent, never as null.
 *
 * Writes, each idempotent under a retried request: when the store (or its SDK) resends a request whose first
 * try was applied but whose answer was lost, the call reports the first try's outcome and changes nothing twice.
 * - `createInstance` is create-if-absent on (workflowName, instanceId): a second create throws
 *   `InstanceAlreadyExistsError` and changes nothing; a resent create of the caller's own new instance succeeds.
 * - `updateInstance` is compare-and-set on `version`: it applies `patch`, sets `version` to
 *   `expectedVersion + 1` and returns the new record, or throws `VersionConflictError` and changes nothing.
 *   A missing instance throws `InstanceNotFoundError`. A field whose patch value is `undefined` is left as it
 *   is; `null` clears it. A write id told apart from every interleaved write decides whether a resent update
 *   was the caller's own (it must not take another writer's change for its own).
 * - `recordStep` is fenced and create-if-absent: it throws `LeaseLostError` unless the instance's
 *   `leaseOwner` is set and its `leaseToken` equals `leaseToken` at the moment of the write (checked with the
 *   write, not on an earlier read); if a record with the same (generation, id) exists it returns
 *   `{ recorded: false, existing }` and changes nothing. A recorded step never changes. Concurrent calls for
 *   one id: exactly one is recorded. A missing instance throws `InstanceNotFoundError` or `LeaseLostError`.
 * - `appendEvent` is create-if-absent on the event id: a new event becomes visible to `loadJournal` and
 *   `eventSeq` and `version` are incremented in one atomic step (or in that order); an id already stored
 *   changes nothing (the first event with an id wins). It returns the instance after its increment (later
 *   writes by others may show too). A missing instance throws `InstanceNotFoundError`.
 * - `deleteInstance` removes the instance record, its step records of every generation and its events; the
 *   journal goes before the instance record, so a crash midway leaves the instance readable and a second call
 *   finishes. It resolves to false when there was no instance. Afterwards the same (workflowName,
 *   instanceId) may be created again and starts with an empty journal. The engine takes the lease away from
 *   any runner before it deletes (see `WorkflowInstance.delete`), so no step is being recorded meanwhile.
 *
 * Reads
 * - `loadJournal` is one read: the instance, the step records of its current generation ordered by
 *   `recordedAt` (then id), and its events ordered by id. Null when the instance does not exist. A store may
 *   leave out the events that waits of the current generation consumed (a recorded wait outcome names its
 *   `eventId` and holds the payload); it must return every other event.
 * - `listDueInstances` returns instances whose `wakeAt` is set and `<= now`, earliest first.
 * - `listInstances` pages newest first (`createdAt` descending), filtered by workflow and status. Instances
 *   created in the same millisecond come in an order of (workflowName, instanceId) that the store fixes (memory,
 *   SQLite and Firestore: workflow, then id; DynamoDB: id, then workflow) and keeps from page to page: every
 *   instance appears exactly once across pages when nothing changes. A record that does not parse is left out of the
 *   page (and reported), so one corrupt row never hides the others.
 *
 * Failures of the underlying service surface as `AdapterError` naming the adapter, with `cause`. Stores whose
 * transactions do not isolate (the Firestore emulator) pass the suite with `isolatedTransactions: false`,
 * which leaves out exactly the tests only isolation can pass.
 */
export interface WorkflowStore {
  /** For messages: `sqlite`, `dynamodb`, `memory`... */
  readonly name: string;
  createInstance(params: Readonly<CreateInstanceParams>): Promise<void>;
  getInstance(params: Readonly<InstanceRef>): Promise<InstanceRecord | null>;
  loadJournal(params: Readonly<InstanceRef>): Promise<Journal | null>;
  updateInstance(params: Readonly<UpdateInstanceParams>): Promise<InstanceRecord>;
  recordStep(params: Readonly<RecordStepParams>): Promise<RecordStepResult>;
  appendEvent(params: Readonly<AppendEventParams>): Promise<InstanceRecord>;
  listInstances(params: Readonly<ListInstancesParams>): Promise<InstancePage>;
  listDueInstances(params: Readonly<ListDueParams>): Promise<DueInstance[]>;
  /**
   * Optional, for many runners on one store: `listDueInstances` less the instances claimed by another call, each
   * instance returned claimed until `claimUntil` or its next `updateInstance` (so racing hosts take disjoint
   * sets; rows another call is claiming are skipped, not waited for). A claim changes no field of the record and
   * not its `version`; `listDueInstances` still returns claimed instances. A host that takes a claim and dies
   * leaves the instance due again at `claimUntil`.
   */
  claimDueInstances?(params: Readonly<ClaimDueParams>): Promise<DueInstance[]>;
  deleteInstance(params: Readonly<InstanceRef>): Promise<boolean>;
  /**
   * Records the single use of `key` (a request signature) until `expiresAt`: true when no live claim existed (and
   * now one does), false when one did. Durable and shared like everything else, so every process on the store
   * refuses a replayed request; expired claims may be dropped. A resent claim of the caller's own is true.
   * Optional: hosts that check request signatures need it.
   */
  claimNonce?(params: Readonly<ClaimNonceParams>): Promise<boolean>;
  /**
   * How many instances there are of each status (of one workflow, or all), as `listInstances` would list them.
   * Optional: the explorer counts by listing when a store has none, which is slow on a large store.
   */
  countInstances?(params: Readonly<CountInstancesParams>): Promise<InstanceCounts>;
  /** Releases connections. Optional. */
  close?(): Promise<void>;
}
