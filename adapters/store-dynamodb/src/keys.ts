// The one-table key schema. Every item of an instance lives in the partition `<workflowName>#<instanceId>`,
// so loading a journal is one Query (paginated past 1 MB):
//
//   sk = I                          the instance record (attributes, compare-and-set on `version`)
//   sk = S#<generation>#<step id>   a step record (create-if-absent on (generation, id))
//   sk = E#<event id>               an event (ids sort by time, so the Query returns them in order)
//   sk = C#<owner sk>#<nnnn>        chunk n of a value too large for its item (owner: a step, an event, or
//                                   I#<field>#<nonce> for a large params / output / error of the instance)
//
// Only instance items carry index keys: `duePk`/`dueSk` while `wakeAt` is set (the sparse due-wake-up
// index), `wfPk`/`allPk` with `listSk` (newest first, within one workflow or across all).

import type { InstanceRef } from '@cairn/core';

export const ATTR = {
  pk: 'pk',
  sk: 'sk',
  duePk: 'duePk',
  dueSk: 'dueSk',
  wfPk: 'wfPk',
  allPk: 'allPk',
  listSk: 'listSk',
} as const;

export const INDEX = {
  /** Sparse: instances with a wake-up, by time. */
  due: 'cairn-due',
  /** Instances of one workflow, newest first. */
  byWorkflow: 'cairn-by-workflow',
  /** All instances, newest first, over `indexShards` partitions. */
  all: 'cairn-all',
} as const;

export const INSTANCE_SK = 'I';

export function partitionKey(ref: InstanceRef): string {
  return `${ref.workflowName}#${ref.instanceId}`;
}

export function stepSk(generation: number, id: string): string {
  return `S#${pad(generation, 10)}#${id}`;
}

export function eventSk(id: string): string {
  return `E#${id}`;
}

export function chunkSk(ownerSk: string, n: number): string {
  return `C#${ownerSk}#${pad(n, 4)}`;
}

export function blobOwnerSk(field: string, nonce: string): string {
  return `I#${field}#${nonce}`;
}

/** Epoch ms as a fixed-width sortable string (fractions dropped; callers re-check exact values). */
export function timeKey(ms: number): string {
  return pad(Math.max(0, Math.floor(ms)), 16);
}

// Below Number.MAX_SAFE_INTEGER, so the subtraction is exact; 16 digits cover every epoch-ms time.
const TIME_MAX = 9_000_000_000_000_000;

/**
 * Newest first when sorted ascending: inverted creation time, then instance id, then workflow (core's
 * order). Instance ids never hold '#', which sorts below every character they may hold.
 */
export function listSortKey(instance: { createdAt: number; workflowName: string; instanceId: string }): string {
  return `${pad(TIME_MAX - Math.floor(instance.createdAt), 16)}#${instance.instanceId}#${instance.workflowName}`;
}

export function dueSortKey(wakeAt: number, pk: string): string {
  return `${timeKey(wakeAt)}#${pk}`;
}

export function duePartition(pk: string, shards: number): string {
  return `due#${shardOf(pk, shards)}`;
}

export function allPartition(pk: string, shards: number): string {
  return `all#${shardOf(pk, shards)}`;
}

export function workflowPartition(workflowName: string): string {
  return `wf#${workflowName}`;
}

/** FNV-1a: a stable shard for a partition key. */
function shardOf(pk: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < pk.length; i++) {
    hash ^= pk.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function itemKey(pk: string, sk: string) {
  return { [ATTR.pk]: { S: pk }, [ATTR.sk]: { S: sk } };
}
