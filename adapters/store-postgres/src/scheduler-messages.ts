// What the fleet scheduler sends on its channel (NOTIFY payloads, at most 8000 bytes): a wake-up some process
// scheduled, or a change to an instance it announced. Short keys; `o` names the sending scheduler, which ignores
// its own messages. Every payload read is parsed: one that does not parse is dropped (and reported).

import { z } from 'zod';
import type { InstanceChange, InstanceRef, WakeRequest } from '@cairn/core';

const WakeMessageSchema = z.object({
  k: z.literal('w'),
  o: z.string(),
  w: z.string(),
  i: z.string(),
  a: z.number(),
  s: z.number().int(),
  n: z.string().optional(),
  t: z.string().optional(),
});

const ChangeMessageSchema = z.object({
  k: z.literal('c'),
  o: z.string(),
  w: z.string(),
  i: z.string(),
  c: z.enum(['event', 'pause', 'resume', 'terminate']),
});

const MessageSchema = z.discriminatedUnion('k', [WakeMessageSchema, ChangeMessageSchema]);

/** NOTIFY's limit is 8000 bytes; a trace context that would not fit is left out (the wake-up still goes). */
const MAX_PAYLOAD_BYTES = 7_900;

export type FleetMessage = { origin: string } & ({ kind: 'wake'; wake: WakeRequest } | { kind: 'change'; ref: InstanceRef; change: InstanceChange });

export function encodeWake(origin: string, wake: WakeRequest): string {
  const base = { k: 'w', o: origin, w: wake.workflowName, i: wake.instanceId, a: wake.wakeAt, s: wake.wakeSeq, n: wake.incarnation };
  const full = JSON.stringify({ ...base, t: wake.trace });
  return Buffer.byteLength(full) <= MAX_PAYLOAD_BYTES ? full : JSON.stringify(base);
}

export function encodeChange(origin: string, ref: InstanceRef, change: InstanceChange): string {
  return JSON.stringify({ k: 'c', o: origin, w: ref.workflowName, i: ref.instanceId, c: change });
}

/** The message a payload holds, or null when it is not one of ours. */
export function decodeMessage(payload: string | undefined): FleetMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(payload ?? '');
  } catch {
    return null;
  }
  const parsed = MessageSchema.safeParse(value);
  if (!parsed.success) return null;
  const m = parsed.data;
  const ref = { workflowName: m.w, instanceId: m.i };
  if (m.k === 'c') return { origin: m.o, kind: 'change', ref, change: m.c };
  const wake: WakeRequest = { ...ref, wakeAt: m.a, wakeSeq: m.s };
  if (m.n !== undefined) wake.incarnation = m.n;
  if (m.t !== undefined) wake.trace = m.t;
  return { origin: m.o, kind: 'wake', wake };
}
