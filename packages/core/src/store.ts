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
  Omit<InstanceRecord, 'v' | 'workflowName' | 'instanceId' | 'version' | 'createdAt' | 'params' | 'successRetentionMs' | 'errorRetentionMs'>
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

export interface InstancePage {
  instances: InstanceRecord[];
  /** Present when more instances follow. */
  nextCursor?: string;
}

export interface ListDueParams {
  now: number;
  limit: number;
}

export interface DueInstance extends InstanceRef {
  wakeAt: number;
}

/**
 * A durable journal of workflow instances.
 *
 * Invariants every implementation keeps (the conformance suite asserts each):
 * - Reads see your own writes; a method resolves only once its write is durable by the store's standard.
 * - `createInstance` is create-if-absent on (workflowName, instanceId): a second create throws
 *   `InstanceAlreadyExistsError` and changes nothing. The record reads back as given, optional fields
 *   (`successRetentionMs`, `errorRetentionMs`) absent when they were absent.
 * - `updateInstance` is compare-and-set on `version`: it applies `patch`, sets `version` to
 *   `expectedVersion + 1` and returns the new record, or throws `VersionConflictError` and changes nothing.
 *   A missing instance throws `InstanceNotFoundError`.
 * - `recordStep` is fenced and create-if-absent: it throws `LeaseLostError` unless the instance's
 *   `leaseOwner` is set and its `leaseToken` equals `leaseToken`; if a record with the same
 *   (generation, id) exists it returns `{ recorded: false, existing }` and changes nothing. A recorded
 *   step never changes. Concurrent calls for one id: exactly one is recorded.
 * - `appendEvent` makes the event visible to `loadJournal` and then increments `eventSeq` and `version`
 *   in one atomic step (or in that order), and returns the instance after the increment.
 * - `loadJournal` is one read: the instance, the step records of its current generation ordered by
 *   `recordedAt` (then id), and every event ordered by id. Null when the instance does not exist.
 * - `listDueInstances` returns instances whose `wakeAt` is set and `<= now`, earliest first.
 * - `deleteInstance` removes the instance record, its step records of every generation and its events; the
 *   journal goes before the instance record, so a crash midway leaves the instance readable and a second call
 *   finishes. It resolves to false when there was no instance. Afterwards the same (workflowName,
 *   instanceId) may be created again and starts with an empty journal. The engine takes the lease away from
 *   any runner before it deletes (see `WorkflowInstance.delete`), so no step is being recorded meanwhile.
 * - `listInstances` pages newest first (`createdAt` descending, then `instanceId`), filtered by
 *   workflow and status; every instance appears exactly once across pages when nothing changes.
 * - Failures of the underlying service surface as `AdapterError` naming the adapter, with `cause`.
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
  deleteInstance(params: Readonly<InstanceRef>): Promise<boolean>;
  /** Releases connections. Optional. */
  close?(): Promise<void>;
}
