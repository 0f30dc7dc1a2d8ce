// Values are stored as written, string for string: no Unicode normalisation, lone surrogates (escaped by core's
// codec) and keys that name Object.prototype members kept as data, in every record a store writes.

import { describe, expect, it } from 'vitest';
import { deserialize, serialize } from '@cairn/core';
import type { SuiteContext } from './context.js';
import { createLeased, makeEvent, makeInstance, makeStep, mustGet, mustLoad, refOf } from './fixtures.js';

/** Strings a store could change without noticing: each must come back with the same code units. */
const STRINGS = [
  'e\u0301', // decomposed é (NFD): an NFC-normalising store turns it into U+00E9
  '\u00e9', // composed é
  'A\u030a\u212b\u00c5', // three spellings of Å
  '\ufb01', // the "fi" ligature (NFKC changes it)
  '\ud800', // a lone high surrogate
  'x\udfffy', // a lone low surrogate inside text
  '\udbff\udfff', // the last code point, as a pair
  '\u0000\u001f\u007f\u2028\u2029\ufeff', // controls, separators, BOM
  ' trailing and  double  spaces ',
  '\r\n\t',
];

const KEYED = {
  __proto__: 'kept as a key',
  constructor: { prototype: 'kept' },
  hasOwnProperty: 1,
  toString: 'data',
  ['e\u0301']: 'nfd key',
  ['\u00e9']: 'nfc key',
} as Record<string, unknown>;

function corpusValue(): unknown {
  const value: Record<string, unknown> = { strings: STRINGS, nested: [{ deep: STRINGS.join('|') }] };
  // A literal `__proto__` key would set the prototype, so it is defined as an own property.
  Object.defineProperty(value, '__proto__', { value: { inner: 'own __proto__' }, enumerable: true, configurable: true, writable: true });
  Object.assign(value, { keyed: KEYED });
  return value;
}

export function corpusTests(ctx: SuiteContext): void {
  describe('string corpus', () => {
    it('params, step values, errors, event payloads and types round-trip unit for unit', async () => {
      const serialized = serialize(corpusValue());
      // The codec escapes lone surrogates, so the stored text is well-formed UTF-16 whatever the store does with it.
      expect(/\p{Cs}/u.test(serialized), 'no lone surrogate in the serialized text').toBe(false);
      const instance = makeInstance({ params: serialized });
      await ctx.store.createInstance({ instance });
      const leased = await mustGet(ctx.store, instance);
      expect(leased.params).toBe(serialized);
      const held = await createLeased(ctx.store);
      const step = makeStep({ id: `do:${'e\u0301'}-1`, name: 'e\u0301 \ufb01', value: serialized });
      const { value: _value, ...failed } = makeStep({
        id: 'do:corpus-fail-1',
        state: 'attempt-failed',
        recordedAt: step.recordedAt + 1,
        error: { name: 'Error', message: STRINGS.join(' '), props: serialized },
      });
      await ctx.store.recordStep({ ...refOf(held), leaseToken: held.leaseToken, step });
      await ctx.store.recordStep({ ...refOf(held), leaseToken: held.leaseToken, step: failed });
      const event = makeEvent(1, 'corpus', { type: 'ok-type', payload: serialized });
      await ctx.store.appendEvent({ ...refOf(held), event });
      const journal = await mustLoad(ctx.store, held);
      expect(journal.steps).toEqual([step, failed]);
      expect(journal.events).toEqual([event]);
      // Equal as text is not enough for toEqual on strings that normalise alike: compare code units too.
      expect([...journal.steps[0]!.id].map((c) => c.codePointAt(0))).toEqual([...step.id].map((c) => c.codePointAt(0)));
      const restored = deserialize(journal.events[0]!.payload) as Record<string, unknown>;
      expect(Object.hasOwn(restored, '__proto__')).toBe(true);
      expect((restored['strings'] as string[])[0]).toBe('e\u0301');
      expect((restored['strings'] as string[])[4]).toBe('\ud800');
      expect(Object.getPrototypeOf(restored)).toBe(Object.prototype);
    });

    it('an instance id and workflow name are kept as given (two spellings of é are two instances)', async () => {
      const nfd = makeInstance({ instanceId: `corpus-e\u0301-${Math.random().toString(36).slice(2, 8)}` });
      const nfc = makeInstance({ instanceId: nfd.instanceId.replace('e\u0301', '\u00e9'), params: '"nfc"' });
      await ctx.store.createInstance({ instance: nfd });
      await ctx.store.createInstance({ instance: nfc });
      expect(await mustGet(ctx.store, nfd)).toEqual(nfd);
      expect(await mustGet(ctx.store, nfc)).toEqual(nfc);
    });
  });
}
