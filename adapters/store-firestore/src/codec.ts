// How records map to documents. An instance is stored as native fields (readable in the console, queryable)
// plus bookkeeping fields; step and event records as one JSON string `r`. Firestore caps a document at
// 1 MiB including field names, while core allows 1 MiB values, so a large params/output value or record is
// split into chunk documents of at most CHUNK_BYTES, written in the same commit as their parent.

import { Timestamp, type DocumentData } from '@google-cloud/firestore';
import type { EventRecord, InstancePatch, InstanceRecord, StepRecord } from '@cairn/core';
import { chunkDocId, fieldParentId, listKey, wakeKey } from './keys.js';

/** Firestore's cap on writes in one commit (batch or transaction). */
export const MAX_WRITES_PER_COMMIT = 500;
/** Bytes per chunk (and the largest inline record): leaves room under 1 MiB for the name and other fields. */
const CHUNK_BYTES = 900_000;
/** params / output longer than this (UTF-8 bytes) move to chunk documents, so both fit beside the rest. */
const INLINE_VALUE_BYTES = 300_000;

/** Bookkeeping fields on an instance document (never part of the record). */
interface InstanceExtras {
  /** The instance key: every document of the instance carries it; the journal query filters on it. */
  ik: string;
  /** Sort key and cursor of `listInstances`. */
  listKey: string;
  /** Sort key of `listDueInstances` (see keys.ts). */
  wakeKey: string;
  /** TTL field, from `expiresAt`. */
  expireAt: Timestamp | null;
  /** Chunk counts of params / output (0: inline). */
  _p: number;
  _o: number;
  /** Id of the last write, so that a retried commit whose first try did apply is recognised. */
  _w: string;
}

/**
 * Optional record fields set only by `createInstance` (`create({ retention })`). They are native fields like the
 * rest, written only when set: an absent one must read back absent (zod's `.optional()` rejects null), and the
 * client rejects `undefined` unless `ignoreUndefinedProperties` is on. `updateInstance` never writes them.
 */
const CREATION_ONLY_FIELDS = [
  'successRetentionMs',
  'errorRetentionMs',
  'incarnation',
  'trace',
  'metadata',
] as const satisfies readonly (keyof InstanceRecord)[];

export interface Chunk {
  id: string;
  data: DocumentData;
}

export function expireAtOf(expiresAt: number | null): Timestamp | null {
  return expiresAt === null ? null : Timestamp.fromMillis(expiresAt);
}

/** Splits UTF-8 text into chunk documents (Bytes fields, so no split ever lands inside a character). */
function chunkText(parentId: string, text: string, common: DocumentData): Chunk[] {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Chunk[] = [];
  for (let i = 0, offset = 0; offset < bytes.length; i++, offset += CHUNK_BYTES) {
    chunks.push({ id: chunkDocId(parentId, i), data: { ...common, k: 'c', of: parentId, i, d: bytes.subarray(offset, offset + CHUNK_BYTES) } });
  }
  return chunks;
}

function joinChunks(parts: readonly (DocumentData | undefined)[]): string | undefined {
  const buffers: Buffer[] = [];
  for (const part of parts) {
    const d: unknown = part?.d;
    if (!(d instanceof Uint8Array)) return undefined;
    buffers.push(Buffer.from(d));
  }
  return Buffer.concat(buffers).toString('utf8');
}

/** A value field (params / output) for an instance document: inline, or chunked. */
export function encodeValueField(
  key: string,
  field: 'params' | 'output',
  value: string | null,
  expireAt: Timestamp | null,
): { inline: string | null; parts: number; chunks: Chunk[] } {
  if (value === null || Buffer.byteLength(value, 'utf8') <= INLINE_VALUE_BYTES) return { inline: value, parts: 0, chunks: [] };
  const chunks = chunkText(fieldParentId(key, field), value, { ik: key, expireAt });
  return { inline: '', parts: chunks.length, chunks };
}

/** The full instance document and the chunk documents to write with it. */
export function encodeInstance(key: string, record: InstanceRecord, writeId: string): { data: DocumentData; chunks: Chunk[] } {
  const expireAt = expireAtOf(record.expiresAt);
  const params = encodeValueField(key, 'params', record.params, expireAt);
  const output = encodeValueField(key, 'output', record.output, expireAt);
  const extras: InstanceExtras = {
    ik: key,
    listKey: listKey(record.createdAt, key),
    wakeKey: wakeKey(record.wakeAt),
    expireAt,
    _p: params.parts,
    _o: output.parts,
    _w: writeId,
  };
  const fields: DocumentData = { ...record };
  for (const name of CREATION_ONLY_FIELDS) if (fields[name] === undefined) delete fields[name];
  // Optional patchable fields are written only when set, for the same reason.
  if (fields.workflowVersion === undefined) delete fields.workflowVersion;
  if (fields.eventsConsumed === undefined) delete fields.eventsConsumed;
  return {
    data: { ...fields, params: params.inline ?? '', output: output.inline, ...extras },
    chunks: [...params.chunks, ...output.chunks],
  };
}

/**
 * The record fields an `updateInstance` patch writes: its defined values, never a creation-only field (the
 * `InstancePatch` type already excludes those; this also holds for an untyped caller).
 */
export function patchFields(patch: InstancePatch): InstancePatch {
  const fields: Record<string, unknown> = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
  for (const name of CREATION_ONLY_FIELDS) delete fields[name];
  return fields as InstancePatch;
}

/** Chunk document ids an instance document refers to, by field. */
export function instanceChunkIds(key: string, data: DocumentData): { params: string[]; output: string[] } {
  const ids = (field: 'params' | 'output', count: unknown) =>
    Array.from({ length: typeof count === 'number' ? count : 0 }, (_, i) => chunkDocId(fieldParentId(key, field), i));
  return { params: ids('params', data._p), output: ids('output', data._o) };
}

/** The record fields of an instance document, with chunked values put back (`lookup` finds chunk data by id). */
export function instanceFields(key: string, data: DocumentData, lookup: (id: string) => DocumentData | undefined): Record<string, unknown> {
  const { params, output } = instanceChunkIds(key, data);
  const fields: Record<string, unknown> = { ...data };
  if (params.length > 0) fields.params = joinChunks(params.map(lookup));
  if (output.length > 0) fields.output = joinChunks(output.map(lookup));
  return fields;
}

/** A step or event document (`r` inline, or `n` chunks) and its chunk documents. */
export function encodeJournalRecord(
  key: string,
  docId: string,
  kind: 's' | 'e',
  record: StepRecord | EventRecord,
  extra: { generation?: number; expireAt: Timestamp | null; writeId: string },
): { data: DocumentData; chunks: Chunk[] } {
  const json = JSON.stringify(record);
  const common: DocumentData = { ik: key, expireAt: extra.expireAt, ...(extra.generation === undefined ? {} : { g: extra.generation }) };
  if (Buffer.byteLength(json, 'utf8') <= CHUNK_BYTES) {
    return { data: { ...common, k: kind, r: json, n: 0, w: extra.writeId }, chunks: [] };
  }
  const chunks = chunkText(docId, json, common);
  return { data: { ...common, k: kind, r: null, n: chunks.length, w: extra.writeId }, chunks };
}

/** The JSON of a journal document's record, or undefined when a chunk is missing. */
export function journalJson(docId: string, data: DocumentData, lookup: (id: string) => DocumentData | undefined): unknown {
  if (typeof data.r === 'string') return JSON.parse(data.r);
  const count = typeof data.n === 'number' ? data.n : 0;
  const text = joinChunks(Array.from({ length: count }, (_, i) => lookup(chunkDocId(docId, i))));
  return text === undefined ? undefined : JSON.parse(text);
}

export function journalChunkIds(docId: string, data: DocumentData): string[] {
  const count = typeof data.n === 'number' && typeof data.r !== 'string' ? data.n : 0;
  return Array.from({ length: count }, (_, i) => chunkDocId(docId, i));
}
