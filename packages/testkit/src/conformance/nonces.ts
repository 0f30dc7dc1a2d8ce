// claimNonce: the single use of a request signature, shared by every process on the store. Registered when the
// store has the method (hosts that check request signatures require it).

import { describe, expect, it } from 'vitest';
import type { SuiteContext } from './context.js';
import { T0, uniqueId } from './fixtures.js';

export function nonceTests(ctx: SuiteContext): void {
  describe('claimNonce', () => {
    it('the first claim of a key is true, every later one while it lives is false', async (t) => {
      const claim = ctx.store.claimNonce?.bind(ctx.store);
      if (!claim) return t.skip();
      const key = uniqueId('nonce');
      expect(await claim({ key, expiresAt: T0 + 60_000, now: T0 })).toBe(true);
      expect(await claim({ key, expiresAt: T0 + 60_000, now: T0 + 1 })).toBe(false);
      expect(await claim({ key, expiresAt: T0 + 120_000, now: T0 + 59_999 })).toBe(false);
      expect(await claim({ key: uniqueId('nonce'), expiresAt: T0 + 60_000, now: T0 })).toBe(true);
    });

    it('an expired claim may be taken again', async (t) => {
      const claim = ctx.store.claimNonce?.bind(ctx.store);
      if (!claim) return t.skip();
      const key = uniqueId('nonce');
      expect(await claim({ key, expiresAt: T0 + 1_000, now: T0 })).toBe(true);
      expect(await claim({ key, expiresAt: T0 + 61_000, now: T0 + 1_000 })).toBe(true);
      expect(await claim({ key, expiresAt: T0 + 62_000, now: T0 + 2_000 })).toBe(false);
    });

    it('concurrent claims of one key: exactly one is true', async (t) => {
      const claim = ctx.store.claimNonce?.bind(ctx.store);
      if (!claim) return t.skip();
      const key = uniqueId('nonce');
      const results = await Promise.all(Array.from({ length: ctx.options.concurrency }, () => claim({ key, expiresAt: T0 + 60_000, now: T0 })));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('keys are kept as given: long keys and keys differing only in case or normalisation are distinct', async (t) => {
      const claim = ctx.store.claimNonce?.bind(ctx.store);
      if (!claim) return t.skip();
      const base = uniqueId('nonce');
      const keys = [`${base}-A`, `${base}-a`, `${base}-e\u0301`, `${base}-\u00e9`, `${base}-${'f'.repeat(64)}`];
      for (const key of keys) expect(await claim({ key, expiresAt: T0 + 60_000, now: T0 }), key).toBe(true);
    });
  });
}
