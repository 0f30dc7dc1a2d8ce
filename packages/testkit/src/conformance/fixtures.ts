// Records and helpers the conformance tests build on. Every record read back goes through core's zod
// parsers, so a store that returns a foreign shape (null for an absent optional, a string for a number)
// fails here, with the field named.

import { expect } from 'vitest';
import {
  CairnError,
  RECORD_VERSION,
  newInstanceRecord,
  parseEventRecord,
  parseInstanceRecord,
  parseStepRecord,
  serialize,
  type CairnErrorCode,
  type EventRecord,
  type InstanceRecord,
  type InstanceRef,
  type Journal,
  type StepRecord,
  type WorkflowStore,
} from '@cairn/core';

/** A fixed epoch so that times are readable in failures; tests pass `now` explicitly where it matters. */
export const T0 = Date.UTC(2030, 0, 1);

let counter = 0;
/** An id unique across tests and processes, valid as a Cairn instance id. */
export function uniqueId(prefix = 'i'): string {
  counter++;
  return `${prefix}-${counter.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export function refOf(instance: InstanceRef): InstanceRef {
  return { workflowName: instance.workflowName, instanceId: instance.instanceId };
}

export function makeInstance(overrides: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    ...newInstanceRecord({
      workflowName: 'conformance',
      instanceId: uniqueId(),
      params: serialize({ order: 42, note: 'params' }),
      createdAt: T0,
      wakeAt: null,
    }),
    ...overrides,
  };
}

/** A completed `do` step; `id` defaults to its key. */
export function makeStep(overrides: Partial<StepRecord> & { id: string }): StepRecord {
  const key = overrides.key ?? overrides.id.split('#')[0]!;
  return {
    v: RECORD_VERSION,
    key,
    generation: 0,
    kind: 'do',
    name: key.replace(/^do:/, '').replace(/-\d+$/, ''),
    state: 'completed',
    attempt: 1,
    value: serialize({ step: overrides.id }),
    startedAt: T0,
    recordedAt: T0,
    ...overrides,
  };
}

/** A step record with every optional field set, to check that each survives the round trip. */
export function makeRichStep(overrides: Partial<StepRecord> & { id: string }): StepRecord {
  const { value: _value, ...step } = makeStep({
    state: 'attempt-failed',
    attempt: 2,
    error: {
      name: 'TypeError',
      message: 'boom: “quoted” ünïcödé 💥',
      stack: 'TypeError: boom\n    at step (file.ts:1:1)',
      props: serialize({ code: 'E_BOOM', retryable: true }),
    },
    config: { retries: { limit: 5, delay: 'function', backoff: 'exponential' }, timeout: 600_000, sensitive: 'output' },
    wakeAt: T0 + 2_000,
    eventId: '00000000a-abcdef12',
    eventType: 'approval',
    pausedTotalMs: 1_500,
    startedAt: T0 + 1,
    recordedAt: T0 + 2,
    ...overrides,
  });
  return step;
}

/** An event whose id sorts by `at` (like `newEventId`), with a fixed suffix for readable ordering tests. */
export function makeEvent(at: number, suffix: string, overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    v: RECORD_VERSION,
    id: `${at.toString(36).padStart(9, '0')}-${suffix}`,
    type: 'approval',
    payload: serialize({ suffix }),
    timestamp: at,
    ...overrides,
  };
}

/** Creates an instance and reads it back. */
export async function createInstance(store: WorkflowStore, overrides: Partial<InstanceRecord> = {}): Promise<InstanceRecord> {
  const instance = makeInstance(overrides);
  await store.createInstance({ instance });
  return mustGet(store, instance);
}

/** Takes the lease as a runner does (a new token), returning the instance after the write. */
export async function acquireLease(store: WorkflowStore, instance: InstanceRecord, owner = 'runner-a'): Promise<InstanceRecord> {
  const updated = await store.updateInstance({
    ...refOf(instance),
    expectedVersion: instance.version,
    patch: { status: 'running', leaseOwner: owner, leaseToken: instance.leaseToken + 1, leaseExpiresAt: T0 + 30_000 },
  });
  return parseInstanceRecord(updated);
}

/** A created instance whose lease is held by `runner-a`. */
export async function createLeased(store: WorkflowStore, overrides: Partial<InstanceRecord> = {}): Promise<InstanceRecord> {
  return acquireLease(store, await createInstance(store, overrides));
}

export async function mustGet(store: WorkflowStore, ref: InstanceRef): Promise<InstanceRecord> {
  const found = await store.getInstance(refOf(ref));
  expect(found, `getInstance(${ref.instanceId})`).not.toBeNull();
  return parseInstanceRecord(found);
}

/** loadJournal with every record parsed by core's schemas. */
export async function mustLoad(store: WorkflowStore, ref: InstanceRef): Promise<Journal> {
  const journal = await store.loadJournal(refOf(ref));
  expect(journal, `loadJournal(${ref.instanceId})`).not.toBeNull();
  return {
    instance: parseInstanceRecord(journal!.instance),
    steps: journal!.steps.map(parseStepRecord),
    events: journal!.events.map(parseEventRecord),
  };
}

/** Awaits `work` and checks that it rejected with a Cairn error of `code` (from any copy of core). */
export async function expectCairnError(work: Promise<unknown>, code: CairnErrorCode | CairnErrorCode[]): Promise<unknown> {
  const codes = Array.isArray(code) ? code : [code];
  let failure: unknown;
  let resolved = false;
  try {
    await work;
    resolved = true;
  } catch (error) {
    failure = error;
  }
  expect(resolved, `expected a rejection with code ${codes.join(' or ')}, but the call resolved`).toBe(false);
  const matched = codes.some((one) => CairnError.is(failure, one));
  expect(matched, `expected a CairnError with code ${codes.join(' or ')}, got: ${describeError(failure)}`).toBe(true);
  return failure;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name} (code ${(error as { code?: unknown }).code ?? 'none'}): ${error.message}`;
  return String(error);
}

/**
 * A serialized value (core's `serialize` of a string) of exactly `bytes` UTF-8 bytes, mixing 1- to 4-byte
 * characters, quotes, backslashes, line separators and escaped control characters.
 */
export function serializedOfBytes(bytes: number): string {
  const cached = sized.get(bytes);
  if (cached !== undefined) return cached;
  const pattern = 'ascii "q" \\ / é ß ü € 中文 日本語 😀 🏔️ \u2028 \u0000 \t\n ';
  const size = (text: string) => Buffer.byteLength(text, 'utf8');
  let low = 0;
  let high = Math.ceil(bytes / pattern.length) + 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (size(serialize(pattern.repeat(mid))) <= bytes) low = mid;
    else high = mid - 1;
  }
  const base = pattern.repeat(low);
  const text = serialize(base + 'x'.repeat(bytes - size(serialize(base))));
  if (size(text) !== bytes) throw new Error(`could not build a ${bytes}-byte value (got ${size(text)})`);
  sized.set(bytes, text);
  return text;
}
const sized = new Map<number, string>();

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
