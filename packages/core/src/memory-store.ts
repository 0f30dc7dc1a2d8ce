// The in-memory reference store: the executable spec of the WorkflowStore contract, used by engine
// tests, examples and the quick start. Values are kept serialized, as a real store keeps them, and every
// returned record is a copy, so no caller can change stored state by mutating what it got.

import { refKey } from './shared/refs.js';
import { InstanceAlreadyExistsError, InstanceNotFoundError, LeaseLostError, VersionConflictError } from './errors.js';
import type { EventRecord, InstanceRecord, Journal, StepRecord } from './records.js';
import type {
  AppendEventParams,
  ClaimNonceParams,
  CountInstancesParams,
  CreateInstanceParams,
  DueInstance,
  InstanceCounts,
  InstancePage,
  InstanceRef,
  ListDueParams,
  ListInstancesParams,
  RecordStepParams,
  RecordStepResult,
  UpdateInstanceParams,
  WorkflowStore,
} from './store.js';

interface Entry {
  instance: InstanceRecord;
  /** By (generation, id); a Map keeps insertion order, which is recording order. */
  steps: Map<string, StepRecord>;
  /** Made on the first event: most instances never get one. */
  events?: EventRecord[];
  /** Event id -> the generation whose wait consumed it (left out of that generation's journal). */
  consumed?: Map<string, number>;
}

const RECORDED: RecordStepResult = Object.freeze({ recorded: true });

export interface MemoryStore extends WorkflowStore {
  /** How many instances are stored (for tests). */
  readonly size: number;
}

export function createMemoryStore(): MemoryStore {
  const entries: Entries = new Map();
  const nonces = new Map<string, number>();
  const bind =
    <P, T>(operation: (entries: Entries, params: P) => Promise<T>) =>
    (params: P): Promise<T> =>
      operation(entries, params);
  return {
    name: 'memory',
    get size() {
      return entries.size;
    },
    createInstance: bind(createInstance),
    getInstance: bind(getInstance),
    loadJournal: bind(loadJournal),
    updateInstance: bind(updateInstance),
    recordStep: bind(recordStep),
    appendEvent: bind(appendEvent),
    deleteInstance: bind(deleteInstance),
    listInstances: bind(listInstances),
    listDueInstances: bind(listDueInstances),
    countInstances: bind(countInstances),
    claimNonce: async ({ key, expiresAt, now }: ClaimNonceParams) => {
      if ((nonces.get(key) ?? Number.NEGATIVE_INFINITY) > now) return false;
      nonces.set(key, expiresAt);
      if (nonces.size % 1024 === 0) for (const [old, until] of nonces) if (until <= now) nonces.delete(old);
      return true;
    },
  };
}

/** Instances by refKey. */
type Entries = Map<string, Entry>;

function entryOf(entries: Entries, ref: InstanceRef): Entry {
  const entry = entries.get(refKey(ref));
  if (!entry) throw new InstanceNotFoundError(ref.workflowName, ref.instanceId);
  return entry;
}

async function createInstance(entries: Entries, { instance }: CreateInstanceParams) {
  const key = refKey(instance);
  if (entries.has(key)) throw new InstanceAlreadyExistsError(instance.workflowName, instance.instanceId);
  entries.set(key, { instance: { ...instance }, steps: new Map() });
}

async function getInstance(entries: Entries, ref: InstanceRef) {
  const entry = entries.get(refKey(ref));
  return entry ? { ...entry.instance } : null;
}

async function loadJournal(entries: Entries, ref: InstanceRef): Promise<Journal | null> {
  const entry = entries.get(refKey(ref));
  if (!entry) return null;
  const { generation } = entry.instance;
  return {
    instance: { ...entry.instance },
    steps: [...entry.steps.values()]
      .filter((step) => step.generation === generation)
      .sort((a, b) => a.recordedAt - b.recordedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((step) => ({ ...step })),
    events: (entry.events ?? []).filter((event) => entry.consumed?.get(event.id) !== generation).map((event) => ({ ...event })),
  };
}

async function updateInstance(entries: Entries, params: UpdateInstanceParams) {
  const { expectedVersion, patch } = params;
  const entry = entryOf(entries, params);
  if (entry.instance.version !== expectedVersion) {
    throw new VersionConflictError(params.workflowName, params.instanceId, expectedVersion);
  }
  const next = { ...entry.instance } as Record<string, unknown>;
  for (const field in patch) {
    const value = (patch as Record<string, unknown>)[field];
    if (value !== undefined) next[field] = value;
  }
  next.version = expectedVersion + 1;
  entry.instance = next as InstanceRecord;
  if (patch.generation !== undefined) {
    // Older generations are dead: drop their records (a restart).
    for (const [id, step] of entry.steps) if (step.generation < patch.generation) entry.steps.delete(id);
  }
  return { ...entry.instance };
}

async function recordStep(entries: Entries, params: RecordStepParams): Promise<RecordStepResult> {
  const { leaseToken, step } = params;
  const entry = entryOf(entries, params);
  if (entry.instance.leaseOwner === null || entry.instance.leaseToken !== leaseToken) {
    throw new LeaseLostError(params.workflowName, params.instanceId, leaseToken);
  }
  const id = `${step.generation}\u0000${step.id}`;
  const existing = entry.steps.get(id);
  if (existing) return { recorded: false, existing: { ...existing } };
  entry.steps.set(id, { ...step });
  // A wait's outcome holds its event: that generation's journal leaves the event out.
  if (step.kind === 'wait' && step.state === 'completed' && step.eventId !== undefined) (entry.consumed ??= new Map()).set(step.eventId, step.generation);
  return RECORDED;
}

async function appendEvent(entries: Entries, { event, ...ref }: AppendEventParams) {
  const entry = entryOf(entries, ref);
  const stored = { ...event };
  const events = (entry.events ??= []);
  // Create-if-absent on the id: the first event with an id wins (a resent or idempotent send changes nothing).
  if (events.some((existing) => existing.id === stored.id)) return { ...entry.instance };
  let at = events.length;
  while (at > 0 && events[at - 1]!.id > stored.id) at--;
  events.splice(at, 0, stored);
  entry.instance = {
    ...entry.instance,
    eventSeq: entry.instance.eventSeq + 1,
    version: entry.instance.version + 1,
  };
  return { ...entry.instance };
}

async function deleteInstance(entries: Entries, ref: InstanceRef) {
  return entries.delete(refKey(ref));
}

async function listInstances(entries: Entries, { workflowName, status, limit = 50, cursor }: ListInstancesParams): Promise<InstancePage> {
  const all = [...entries.values()]
    .map((entry) => entry.instance)
    .filter((instance) => (!workflowName || instance.workflowName === workflowName) && (!status || instance.status === status))
    .sort(newestFirst);
  // The cursor is a position in the order, so a page resumes correctly even if its last instance changed.
  const after = cursor ? decodeCursor(cursor) : undefined;
  const rest = after ? all.filter((instance) => newestFirst(instance, after) > 0) : all;
  const page = rest.slice(0, limit).map((instance) => ({ ...instance }));
  const last = page[page.length - 1];
  return limit < rest.length && last ? { instances: page, nextCursor: cursorOf(last) } : { instances: page };
}

async function countInstances(entries: Entries, { workflowName }: CountInstancesParams): Promise<InstanceCounts> {
  const counts: InstanceCounts = {};
  for (const { instance } of entries.values()) {
    if (workflowName === undefined || instance.workflowName === workflowName) counts[instance.status] = (counts[instance.status] ?? 0) + 1;
  }
  return counts;
}

async function listDueInstances(entries: Entries, { now, limit }: ListDueParams): Promise<DueInstance[]> {
  const due: DueInstance[] = [];
  for (const { instance } of entries.values()) {
    if (instance.wakeAt !== null && instance.wakeAt <= now) {
      due.push({ workflowName: instance.workflowName, instanceId: instance.instanceId, wakeAt: instance.wakeAt });
    }
  }
  return due.sort((a, b) => a.wakeAt - b.wakeAt).slice(0, limit);
}

type Position = Pick<InstanceRecord, 'createdAt' | 'workflowName' | 'instanceId'>;

function newestFirst(a: Position, b: Position): number {
  return b.createdAt - a.createdAt || compare(a.workflowName, b.workflowName) || compare(a.instanceId, b.instanceId);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cursorOf(instance: Position): string {
  return Buffer.from(JSON.stringify([instance.createdAt, instance.workflowName, instance.instanceId])).toString('base64url');
}

function decodeCursor(cursor: string): Position {
  const [createdAt, workflowName, instanceId] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [number, string, string];
  return { createdAt, workflowName, instanceId };
}
