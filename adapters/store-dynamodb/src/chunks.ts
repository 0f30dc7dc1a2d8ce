// Values larger than an item: a serialized record or instance field is split into chunk items of at
// most `chunkBytes` bytes (binary, so no UTF-8 sequence is cut), stored in the owner's partition and
// written in the same transaction as their owner; readers concatenate them in order.

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ATTR, chunkSk } from './keys.js';

export type Item = Record<string, AttributeValue>;

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The chunk items of `text` for the owner item `ownerSk`. */
export function chunkItems(pk: string, ownerSk: string, text: string, chunkBytes: number): Item[] {
  const bytes = Buffer.from(text, 'utf8');
  const items: Item[] = [];
  for (let offset = 0, n = 0; offset < bytes.length; offset += chunkBytes, n++) {
    items.push({
      [ATTR.pk]: { S: pk },
      [ATTR.sk]: { S: chunkSk(ownerSk, n) },
      b: { B: bytes.subarray(offset, offset + chunkBytes) },
    });
  }
  return items;
}

export function partsOf(text: string, chunkBytes: number): number {
  return Math.ceil(byteLength(text) / chunkBytes);
}

/** The owner sk of a chunk item's sk (`C#<owner>#nnnn`). */
function chunkOwner(sk: string): string {
  return sk.slice(2, -5);
}

/** Chunks read back, by owner sk, in sk order (the Query's order, or sorted here). */
export class ChunkSet {
  private readonly byOwner = new Map<string, { sk: string; bytes: Uint8Array }[]>();

  add(item: Item): void {
    const sk = item[ATTR.sk]?.S;
    const bytes = item.b?.B;
    if (sk === undefined || bytes === undefined) throw new Error(`malformed chunk item ${sk ?? '(no sk)'}`);
    const owner = chunkOwner(sk);
    const list = this.byOwner.get(owner);
    if (list) list.push({ sk, bytes });
    else this.byOwner.set(owner, [{ sk, bytes }]);
  }

  /** True when every chunk of `owner` is here. */
  complete(owner: string, parts: number): boolean {
    return (this.byOwner.get(owner)?.length ?? 0) === parts;
  }

  /** Replaces the chunks of `owner` with those of `other` (a fresh read). */
  adopt(owner: string, other: ChunkSet): void {
    const list = other.byOwner.get(owner);
    if (list) this.byOwner.set(owner, list);
  }

  /** The text of `owner`, which must have exactly `parts` chunks. */
  text(owner: string, parts: number): string {
    const list = (this.byOwner.get(owner) ?? []).sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
    if (list.length !== parts) {
      throw new Error(`value ${owner} has ${list.length} of its ${parts} chunks`);
    }
    return Buffer.concat(list.map((chunk) => chunk.bytes)).toString('utf8');
  }
}
