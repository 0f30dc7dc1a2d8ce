// describeStoreConformance: the WorkflowStore contract (packages/core/src/store.ts) as a vitest suite that any
// adapter runs with one line. Each capability lives in its own file; this one wires them to a fresh store per test.

import { afterEach, beforeEach, describe } from 'vitest';
import type { WorkflowStore } from '@cairn/core';
import { claimTests } from './claims.js';
import { concurrencyTests } from './concurrency.js';
import { corpusTests } from './corpus.js';
import { corruptionTests } from './corruption.js';
import { deletionTests } from './deletion.js';
import { durabilityTests } from './durability.js';
import type { SuiteContext } from './context.js';
import { eventTests } from './events.js';
import { failureTests } from './failures.js';
import { faultTests } from './faults.js';
import { instanceTests } from './instances.js';
import { journalTests } from './journal.js';
import { leaseTests } from './leases.js';
import { limitTests } from './limits.js';
import { listingTests } from './listing.js';
import { nonceTests } from './nonces.js';
import { resolveConformanceOptions, type StoreConformanceOptions, type StoreFactory, type StoreHarness } from './options.js';
import { raceTests } from './races.js';
import { wakeUpTests } from './wakeups.js';

export type { StoreConformanceOptions, StoreFactory, StoreFaults, StoreHarness } from './options.js';

/**
 * Registers the conformance suite for one store. `makeStore` runs before every test and must return a
 * store isolated from every other test's data; its `cleanup` (or else `store.close()`) runs after it.
 *
 * @example
 * describeStoreConformance('sqlite', async () => {
 *   const store = createSqliteStore({ path: ':memory:' });
 *   return { store, cleanup: () => store.close() };
 * });
 */
export function describeStoreConformance(name: string, makeStore: StoreFactory, options?: StoreConformanceOptions): void {
  const resolved = resolveConformanceOptions(options);
  let harness: StoreHarness | undefined;
  const ctx: SuiteContext = {
    get store(): WorkflowStore {
      if (!harness) throw new Error('describeStoreConformance: the store is only available inside a test');
      return harness.store;
    },
    get harness(): StoreHarness {
      if (!harness) throw new Error('describeStoreConformance: the harness is only available inside a test');
      return harness;
    },
    options: resolved,
  };

  describe(`WorkflowStore conformance: ${name}`, { timeout: resolved.timeoutMs }, () => {
    beforeEach(async () => {
      harness = await makeStore();
      if (!harness || typeof harness.store?.loadJournal !== 'function') {
        throw new Error(`describeStoreConformance("${name}"): makeStore must return { store, cleanup? }`);
      }
    }, resolved.timeoutMs);

    afterEach(async () => {
      const current = harness;
      harness = undefined;
      if (!current) return;
      if (current.cleanup) await current.cleanup();
      else await current.store.close?.();
    }, resolved.timeoutMs);

    instanceTests(ctx);
    journalTests(ctx);
    leaseTests(ctx);
    eventTests(ctx);
    wakeUpTests(ctx);
    listingTests(ctx);
    deletionTests(ctx);
    limitTests(ctx);
    concurrencyTests(ctx);
    raceTests(ctx);
    corpusTests(ctx);
    nonceTests(ctx);
    claimTests(ctx);
    failureTests(ctx);
    faultTests(ctx);
    durabilityTests(ctx);
    corruptionTests(ctx);
  });
}
