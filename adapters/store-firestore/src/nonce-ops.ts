// claimNonce: one transaction per claim on a document of its own (`_n~<key>`: instance ids never start with
// "_"), expiring through the collection's TTL field. A new claim is a create (the precondition holds even where
// reads take no lock); a retried commit of the caller's own claim finds its claim id.

import { randomUUID } from 'node:crypto';
import type { ClaimNonceParams } from '@cairn/core';
import { expireAtOf } from './codec.js';
import type { FirestoreContext } from './context.js';
import { Code, grpcCode, withRetry } from './errors.js';
import { escapeIdPart } from './keys.js';

export async function claimNonce(ctx: FirestoreContext, { key, expiresAt, now }: ClaimNonceParams): Promise<boolean> {
  const claim = randomUUID();
  const doc = ctx.doc(`_n~${escapeIdPart(key)}`);
  const data = { k: 'n', expiresAt, claim, expireAt: expireAtOf(expiresAt) };
  try {
    return await ctx.transaction('claimNonce', async (tx) => {
      const snap = await tx.get(doc);
      const stored = snap.exists ? snap.data()! : undefined;
      if (stored && stored.claim === claim) return true;
      if (stored && typeof stored.expiresAt === 'number' && stored.expiresAt > now) return false;
      if (stored) tx.set(doc, data);
      else tx.create(doc, data);
      return true;
    });
  } catch (error) {
    // Another claim of the key committed between our read and our commit: it is theirs, unless it was ours.
    if ((grpcCode(error) ?? grpcCode((error as { cause?: unknown }).cause)) !== Code.ALREADY_EXISTS) throw error;
    const snap = await withRetry('claimNonce', ctx.retry, () => doc.get());
    return snap.exists && snap.get('claim') === claim;
  }
}
