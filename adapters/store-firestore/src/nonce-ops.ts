// claimNonce: one transaction per claim on a document of its own (`_n~<key>`: instance ids never start with
// "_"), expiring through the collection's TTL field. A retried commit of the caller's own claim finds its claim id.

import { randomUUID } from 'node:crypto';
import type { ClaimNonceParams } from '@cairn/core';
import { expireAtOf } from './codec.js';
import type { FirestoreContext } from './context.js';
import { escapeIdPart } from './keys.js';

export async function claimNonce(ctx: FirestoreContext, { key, expiresAt, now }: ClaimNonceParams): Promise<boolean> {
  const claim = randomUUID();
  const doc = ctx.doc(`_n~${escapeIdPart(key)}`);
  return ctx.transaction('claimNonce', async (tx) => {
    const snap = await tx.get(doc);
    const data = snap.exists ? snap.data()! : undefined;
    if (data && data.claim === claim) return true;
    if (data && typeof data.expiresAt === 'number' && data.expiresAt > now) return false;
    tx.set(doc, { k: 'n', expiresAt, claim, expireAt: expireAtOf(expiresAt) });
    return true;
  });
}
