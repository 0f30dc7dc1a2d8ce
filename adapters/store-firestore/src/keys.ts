// Document ids. Everything lives in one collection, so that one equality query on `ik` (the instance key)
// returns an instance together with its whole journal:
//   <wf>~<id>                      the instance
//   <wf>~<id>~s~<generation>~<step> a step record
//   <wf>~<id>~e~<event>             an event
//   <parent>~c~<n>                  chunk n of a record too large for one document
//   <wf>~<id>~p~c~<n> / ~o~c~<n>    chunks of large params / output
// Every part is escaped so it never contains "~" or "/": ids are unambiguous and valid document ids.

import type { InstanceRef } from '@cairn/core';

export function escapeIdPart(part: string): string {
  return part.replace(/[%~/]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** The instance's document id; never starts with "_" (ids matching `__.*__` are reserved). */
export function instanceKey(ref: InstanceRef): string {
  const workflow = escapeIdPart(ref.workflowName).replace(/^_/, '%5F');
  return `${workflow}~${escapeIdPart(ref.instanceId)}`;
}

export function stepDocId(key: string, generation: number, stepId: string): string {
  return `${key}~s~${generation}~${escapeIdPart(stepId)}`;
}

export function eventDocId(key: string, eventId: string): string {
  return `${key}~e~${escapeIdPart(eventId)}`;
}

export function chunkDocId(parentId: string, index: number): string {
  return `${parentId}~c~${index}`;
}

export function fieldParentId(key: string, field: 'params' | 'output'): string {
  return `${key}~${field === 'params' ? 'p' : 'o'}`;
}

/**
 * The instance document or a chunk of its params / output: what reading the instance needs, so deleteInstance
 * removes these last, in one commit. (Escaped id parts hold no "~", so a step or event id never matches.)
 */
export function isInstanceDocument(key: string, id: string): boolean {
  return id === key || id.startsWith(`${fieldParentId(key, 'params')}~`) || id.startsWith(`${fieldParentId(key, 'output')}~`);
}

/**
 * The listing sort key: `createdAt` descending (as an order-preserving hex of its float64 bits, inverted),
 * then the instance key. Unique per instance and immutable, so it doubles as the page cursor.
 */
export function listKey(createdAt: number, key: string): string {
  return `${sortableNumber(createdAt, true)}~${key}`;
}

/** The wake-up key of an instance without a wake-up: sorts after every hex key, so it is never due. */
const NO_WAKE_KEY = 'none';

/**
 * The due-wake-up key: `wakeAt` as a sortable string, or NO_WAKE_KEY. Not `wakeAt` itself: the emulator sorts
 * wrongly when the ordered field holds nulls beside values and ignores field deletes (see
 * emulator-fidelity.test.ts); a field that is always a string works the same on Firestore and the emulator.
 */
export function wakeKey(wakeAt: number | null): string {
  return wakeAt === null ? NO_WAKE_KEY : sortableNumber(wakeAt, false);
}

/** 16 hex digits whose string order is the numeric order of `value` (reversed when `descending`). */
function sortableNumber(value: number, descending: boolean): string {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleBE(value);
  const negative = (bytes[0]! & 0x80) !== 0;
  for (let i = 0; i < 8; i++) {
    // Ascending order of doubles: flip the sign bit of positives, every bit of negatives.
    const ascending = negative ? ~bytes[i]! & 0xff : i === 0 ? bytes[i]! ^ 0x80 : bytes[i]!;
    bytes[i] = descending ? ~ascending & 0xff : ascending;
  }
  return bytes.toString('hex');
}

export const LIST_KEY_PATTERN = /^[0-9a-f]{16}~[^~/]+~[^~/]+$/;
