// Instance records <-> the instance item. Fields are plain attributes, so `updateInstance` is one
// UpdateItem (SET the patch, compare-and-set `version`) and `appendEvent` an ADD. The three fields that
// may be large (params, output, error) are stored inline when small, or as a reference `<field>Ref =
// <nonce>:<parts>` to chunk items written before the instance item points at them; the nonce makes every
// large value's chunks new items, so a writer that loses the compare-and-set never overwrote the winner's.

import { randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { CorruptRecordError, parseInstanceRecord, type InstancePatch, type InstanceRecord } from '@cairn/core';
import { chunkItems, partsOf, byteLength, type Item } from './chunks.js';
import { allPartition, ATTR, blobOwnerSk, duePartition, dueSortKey, INSTANCE_SK, listSortKey, workflowPartition } from './keys.js';

export const BLOB_FIELDS = ['params', 'output', 'error'] as const;
export type BlobField = (typeof BLOB_FIELDS)[number];

/** Fields above this many bytes go to chunk items, so that the three together stay well under 400 KB. */
const INLINE_BLOB_BYTES = 64 * 1024;

const NUMBER_FIELDS = [
  'v',
  'createdAt',
  'updatedAt',
  'finishedAt',
  'version',
  'generation',
  'leaseToken',
  'leaseExpiresAt',
  'wakeAt',
  'wakeSeq',
  'eventSeq',
  'pausedAt',
  'pausedTotalMs',
  'recoveries',
  'expiresAt',
] as const;
const STRING_FIELDS = ['workflowName', 'instanceId', 'status', 'leaseOwner'] as const;
/**
 * Set only by `create({ retention })`, fixed at creation: an attribute exists only when the field is set, and
 * an item without it reads back without the field (absent, not null: the schema rejects null).
 */
const OPTIONAL_NUMBER_FIELDS = ['successRetentionMs', 'errorRetentionMs'] as const;
/**
 * Set at creation and never changed: the incarnation names the instance's wake-ups; the trace is telemetry's;
 * the metadata is a dispatcher's (`@cairn/dynamic`).
 */
const OPTIONAL_STRING_FIELDS = ['incarnation', 'trace', 'metadata'] as const;
/** Optional and patchable: absent until first written (the code version: set at creation, changed by restart). */
const OPTIONAL_PATCHED_FIELDS = ['eventsConsumed', 'workflowVersion'] as const;

export interface LayoutSettings {
  chunkBytes: number;
  indexShards: number;
  ttlAttribute: string;
}

function toAttr(value: string | number | null): AttributeValue {
  if (value === null) return { NULL: true };
  return typeof value === 'number' ? { N: String(value) } : { S: value };
}

function blobText(field: BlobField, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return field === 'error' ? JSON.stringify(value) : (value as string);
}

export interface BlobWrite {
  /** Attribute name -> value to SET; names listed in `remove` are REMOVEd. */
  set: Record<string, AttributeValue>;
  remove: string[];
  chunks: Item[];
  /** The text written, to cache by reference. */
  cached?: { ref: string; text: string };
}

/** How a blob field's new value is stored: inline, or as a reference to new chunk items. */
function blobWrite(pk: string, field: BlobField, value: unknown, settings: LayoutSettings): BlobWrite {
  const text = blobText(field, value);
  if (text === null || byteLength(text) <= Math.min(INLINE_BLOB_BYTES, settings.chunkBytes)) {
    return { set: { [field]: toAttr(text) }, remove: [`${field}Ref`], chunks: [] };
  }
  const nonce = randomUUID();
  const ref = `${nonce}:${partsOf(text, settings.chunkBytes)}`;
  return {
    set: { [`${field}Ref`]: { S: ref } },
    remove: [field],
    chunks: chunkItems(pk, blobOwnerSk(field, nonce), text, settings.chunkBytes),
    cached: { ref: `${field}:${ref}`, text },
  };
}

function indexAttributes(pk: string, wakeAt: number | null, settings: LayoutSettings): { set: Item; remove: string[] } {
  if (wakeAt === null) return { set: {}, remove: [ATTR.duePk, ATTR.dueSk] };
  return {
    set: { [ATTR.duePk]: { S: duePartition(pk, settings.indexShards) }, [ATTR.dueSk]: { S: dueSortKey(wakeAt, pk) } },
    remove: [],
  };
}

export function ttlSeconds(expiresAt: number): number {
  return Math.ceil(expiresAt / 1000);
}

/** The full item of a new instance, and the chunk items of its large fields. */
export function newInstanceItem(pk: string, instance: InstanceRecord, settings: LayoutSettings): { item: Item; chunks: Item[]; cached: BlobWrite['cached'][] } {
  const item: Item = {
    [ATTR.pk]: { S: pk },
    [ATTR.sk]: { S: INSTANCE_SK },
    [ATTR.wfPk]: { S: workflowPartition(instance.workflowName) },
    [ATTR.allPk]: { S: allPartition(pk, settings.indexShards) },
    [ATTR.listSk]: { S: listSortKey(instance) },
  };
  for (const field of NUMBER_FIELDS) item[field] = toAttr(instance[field]);
  for (const field of STRING_FIELDS) item[field] = toAttr(instance[field]);
  for (const field of [...OPTIONAL_NUMBER_FIELDS, ...OPTIONAL_STRING_FIELDS, ...OPTIONAL_PATCHED_FIELDS]) {
    const value = instance[field];
    if (value !== undefined) item[field] = toAttr(value);
  }
  Object.assign(item, indexAttributes(pk, instance.wakeAt, settings).set);
  if (instance.expiresAt !== null) item[settings.ttlAttribute] = { N: String(ttlSeconds(instance.expiresAt)) };
  const chunks: Item[] = [];
  const cached: BlobWrite['cached'][] = [];
  for (const field of BLOB_FIELDS) {
    const write = blobWrite(pk, field, instance[field], settings);
    Object.assign(item, write.set);
    chunks.push(...write.chunks);
    if (write.cached) cached.push(write.cached);
  }
  return { item, chunks, cached };
}

export interface UpdatePlan {
  expression: string;
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
  chunks: Item[];
  cached: BlobWrite['cached'][];
}

/** SET every patched field (and the index and TTL attributes it implies), bump `version`, stamp `writeId`. */
export function updatePlan(pk: string, patch: InstancePatch, nextVersion: number, writeId: string, settings: LayoutSettings): UpdatePlan {
  const set: Item = { version: { N: String(nextVersion) }, writeId: { S: writeId } };
  const remove: string[] = [];
  const chunks: Item[] = [];
  const cached: BlobWrite['cached'][] = [];
  for (const [field, value] of Object.entries(patch) as [keyof InstancePatch, unknown][]) {
    // Creation-only fields are not part of InstancePatch; never let a stray one through.
    if (value === undefined || (OPTIONAL_NUMBER_FIELDS as readonly string[]).includes(field) || (OPTIONAL_STRING_FIELDS as readonly string[]).includes(field))
      continue;
    if ((BLOB_FIELDS as readonly string[]).includes(field)) {
      const write = blobWrite(pk, field as BlobField, value, settings);
      Object.assign(set, write.set);
      remove.push(...write.remove);
      chunks.push(...write.chunks);
      if (write.cached) cached.push(write.cached);
    } else if (field === 'status' || field === 'leaseOwner') {
      set[field] = toAttr(value as string | null);
    } else {
      set[field] = toAttr(value as number | null);
    }
  }
  if (patch.wakeAt !== undefined) {
    const index = indexAttributes(pk, patch.wakeAt, settings);
    Object.assign(set, index.set);
    remove.push(...index.remove);
  }
  if (patch.expiresAt !== undefined) {
    if (patch.expiresAt === null) remove.push(settings.ttlAttribute);
    else set[settings.ttlAttribute] = { N: String(ttlSeconds(patch.expiresAt)) };
  }
  const names: Record<string, string> = { '#version': 'version', '#pk': ATTR.pk };
  const values: Record<string, AttributeValue> = {};
  const sets: string[] = [];
  let i = 0;
  for (const [name, value] of Object.entries(set)) {
    names[`#a${i}`] = name;
    values[`:a${i}`] = value;
    sets.push(`#a${i} = :a${i}`);
    i++;
  }
  const removes = remove
    .filter((name) => !(name in set))
    .map((name) => {
      names[`#a${i}`] = name;
      return `#a${i++}`;
    });
  const expression = `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`;
  return { expression, names, values, chunks, cached };
}

export interface BlobRef {
  field: BlobField;
  /** Cache key: `<field>:<nonce>:<parts>`. */
  key: string;
  ownerSk: string;
  parts: number;
}

/** References to chunked fields of an instance item. */
export function blobRefs(item: Item): BlobRef[] {
  const refs: BlobRef[] = [];
  for (const field of BLOB_FIELDS) {
    const ref = item[`${field}Ref`]?.S;
    if (ref === undefined) continue;
    const [nonce = '', parts = '0'] = ref.split(':');
    refs.push({ field, key: `${field}:${ref}`, ownerSk: blobOwnerSk(field, nonce), parts: Number(parts) });
  }
  return refs;
}

/** Reassembles chunked fields with `resolve` (from a ChunkSet or a cache) and parses the record. */
export function itemToInstance(item: Item, texts: Map<BlobField, string>): InstanceRecord {
  const raw: Record<string, unknown> = {};
  for (const field of NUMBER_FIELDS) raw[field] = fromAttr(item[field]);
  for (const field of STRING_FIELDS) raw[field] = fromAttr(item[field]);
  for (const field of [...OPTIONAL_NUMBER_FIELDS, ...OPTIONAL_STRING_FIELDS, ...OPTIONAL_PATCHED_FIELDS]) {
    if (item[field] !== undefined && !item[field]!.NULL) raw[field] = fromAttr(item[field]);
  }
  try {
    for (const field of BLOB_FIELDS) {
      const text = texts.has(field) ? texts.get(field)! : (fromAttr(item[field]) as string | null | undefined);
      raw[field] = field === 'error' && typeof text === 'string' ? JSON.parse(text) : text;
    }
    return parseInstanceRecord(raw);
  } catch (error) {
    // A record that does not parse is never data: it names its instance.
    throw new CorruptRecordError('dynamodb', String(raw.workflowName), String(raw.instanceId), 'instance', { cause: error });
  }
}

function fromAttr(value: AttributeValue | undefined): string | number | null | undefined {
  if (value === undefined) return undefined;
  if (value.NULL) return null;
  if (value.N !== undefined) return Number(value.N);
  if (value.S !== undefined) return value.S;
  return undefined;
}
