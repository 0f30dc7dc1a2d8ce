// The journal's names: a step call's key and the ids of the records it owns (see StepRecordSchema).
//   <kind>:<name>-<n>            the key of the n-th call of `name` (do, sleep, wait, rollback); also its outcome's id
//   <key>#<attempt>              attempt n failed; another runs at `wakeAt`
//   <key>#start                  a sleep's end or a wait's deadline, fixed when first reached
//   <key>#<attempt>@<token>.<i>  piece i of a streamed result written by the runner holding lease <token>
// Events: a generated id starts with its time (`newEventId`); one sent with an idempotency key is `k-<key>`.

import type { StepKind } from '../records.js';

/** The key of the `count`-th call of `name` of this kind: `do:charge-1`. */
export function stepKey(kind: StepKind, name: string, count: number): string {
  return `${kind}:${name}-${count}`;
}

/** The key of the rollback of the `count`-th `step.do(name)`. */
export function rollbackKey(name: string, count: number): string {
  return stepKey('rollback', name, count);
}

export function failedAttemptId(key: string, attempt: number): string {
  return `${key}#${attempt}`;
}

export function startId(key: string): string {
  return `${key}#start`;
}

/** What every piece of one attempt's streamed result starts with; the outcome names it. */
export function streamPrefix(key: string, attempt: number, leaseToken: number): string {
  return `${key}#${attempt}@${leaseToken}`;
}

export function streamPieceId(prefix: string, piece: number): string {
  return `${prefix}.${piece}`;
}

/** The occurrence number in a key (`do:charge-2` -> 2). */
export function countOfKey(key: string): number {
  return Number(/-(\d+)$/.exec(key)?.[1] ?? 1);
}

const KEYED_EVENT = 'k-';

/** The stored id of an event sent with an idempotency key; never equal to a generated id (those start with their time in base 36, a digit for millennia). */
export function keyedEventId(key: string): string {
  return `${KEYED_EVENT}${key}`;
}

export function isKeyedEventId(id: string): boolean {
  return id.startsWith(KEYED_EVENT);
}
