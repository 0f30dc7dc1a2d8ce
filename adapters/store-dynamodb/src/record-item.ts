// Step and event records <-> items: the record as JSON in `d`, or, when larger than a chunk, `parts` and
// that many chunk items (written in the same transaction as the record item).

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { byteLength, chunkItems, partsOf, type ChunkSet, type Item } from './chunks.js';
import { ATTR } from './keys.js';

export function recordItems(pk: string, sk: string, record: object, chunkBytes: number): { item: Item; chunks: Item[] } {
  const json = JSON.stringify(record);
  const item: Item = { [ATTR.pk]: { S: pk }, [ATTR.sk]: { S: sk } };
  if (byteLength(json) <= chunkBytes) {
    item.d = { S: json };
    return { item, chunks: [] };
  }
  item.parts = { N: String(partsOf(json, chunkBytes)) };
  return { item, chunks: chunkItems(pk, sk, json, chunkBytes) };
}

/** The record's JSON: inline, or from `chunks` (which must hold the item's chunks). */
export function recordJson(item: Record<string, AttributeValue>, chunks: ChunkSet | undefined): unknown {
  const inline = item.d?.S;
  if (inline !== undefined) return JSON.parse(inline);
  const parts = item.parts?.N;
  const sk = item[ATTR.sk]?.S ?? '';
  if (parts === undefined || !chunks) throw new Error(`record item ${sk} has neither data nor chunks`);
  return JSON.parse(chunks.text(sk, Number(parts)));
}

export function isChunked(item: Record<string, AttributeValue>): boolean {
  return item.d === undefined && item.parts !== undefined;
}
