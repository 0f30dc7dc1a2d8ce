// The harness an adapter hands to `describeStoreConformance`, and the options where stores legitimately differ.

import { z } from 'zod';
import { MAX_PAYLOAD_BYTES, parseOptions, type InstanceRef, type WorkflowStore } from '@cairn/core';

/**
 * How a harness loses requests, as networks do. Each fault applies to the requests the store sends from now on.
 * Give it for stores with a transport (or an equivalent, as SQLite's `afterCommit` hook): the fault-mode tests
 * then run.
 */
export interface StoreFaults {
  /**
   * The next request the store sends is applied, then its answer is lost: the store (or its SDK) sees a transient
   * failure and sends it again. `interleave`, when given, runs between the lost answer and the resend (another
   * writer's change landing in between).
   */
  loseNextResponse(options?: { interleave?: () => Promise<unknown> }): void;
  /** The next `requests` requests go through; every later one fails for good, until `heal()`. (A crash midway.) */
  failAfter(requests: number): void;
  heal(): void;
}

/** One store under test. */
export interface StoreHarness {
  store: WorkflowStore;
  /**
   * Called after each test. If omitted, the suite calls `store.close()` when the store has one; give a
   * cleanup when the store shares a client across tests (drop the namespace, keep the client).
   */
  cleanup?: () => void | Promise<void>;
  /** Lost answers and failures midway: registers the fault-mode tests. */
  faults?: StoreFaults;
  /**
   * Closes the store and opens another on the same storage (the same file, table, collection), as a restart
   * does: registers the durability tests (everything written is there after it).
   */
  reopen?: () => Promise<WorkflowStore>;
  /** Damages the stored instance record of `ref` (bytes a reader cannot parse): registers the corruption tests. */
  corrupt?: (ref: InstanceRef) => Promise<void>;
}

/**
 * Called before every test: returns a store that sees no data of any other test (a fresh database, or
 * a random table / key prefix / collection on a shared one). Isolation is the adapter's business.
 */
export type StoreFactory = () => StoreHarness | Promise<StoreHarness>;

export interface StoreConformanceOptions {
  /** Parallel calls made by each concurrency test. @default 20 */
  concurrency?: number;
  /**
   * Whether `listInstances` fills every page but the last up to `limit`. A store whose filtered queries can
   * return short pages (DynamoDB's filter expressions) sets false; every instance must still appear once.
   * @default true
   */
  fullPages?: boolean;
  /**
   * The store's own page cap, when below 50 (the default limit): pages larger than this are not expected.
   * @default 50
   */
  maxPageSize?: number;
  /** Step records written by the large-journal test (a store that pages its journal query must read every page). @default 300 */
  largeJournalSteps?: number;
  /** Per-test timeout in milliseconds, for slow emulators. @default 30_000 */
  timeoutMs?: number;
  /**
   * A store of the same adapter whose service cannot be reached (a closed database, an endpoint on a port
   * nothing listens on). When given, the suite checks that every method fails with an `AdapterError`
   * (code `store_error`) that keeps the `cause`. Stores that cannot fail this way (in memory) omit it.
   * @default undefined (those tests are not registered)
   */
  unreachableStore?: () => WorkflowStore | Promise<WorkflowStore>;
  /**
   * Whether the service under test isolates concurrent transactions. Only a local stand-in that does not (the
   * npm Firestore emulator) sets false: the four tests that can only pass under isolation (compare-and-set at
   * one version, appendEvent's returned counts, appendEvent racing a compare-and-set, a takeover racing
   * recordStep) are then not registered.
   * Those guarantees then rest on the real service's documented semantics; the adapter must show the gap in a
   * fidelity test of its own and say so in its README. Never set it to hide a store bug.
   * @default true
   */
  isolatedTransactions?: boolean;
}

export interface ResolvedConformanceOptions {
  concurrency: number;
  fullPages: boolean;
  maxPageSize: number;
  largeJournalSteps: number;
  timeoutMs: number;
  unreachableStore: (() => WorkflowStore | Promise<WorkflowStore>) | undefined;
  isolatedTransactions: boolean;
  /** Values up to this many UTF-8 bytes must round-trip: core's limit. */
  maxValueBytes: number;
}

const OptionsSchema = z
  .object({
    concurrency: z.number().int().min(2).max(500).default(20),
    fullPages: z.boolean().default(true),
    maxPageSize: z.number().int().min(2).max(50).default(50),
    largeJournalSteps: z.number().int().min(1).max(20_000).default(300),
    timeoutMs: z.number().int().min(1).default(30_000),
    isolatedTransactions: z.boolean().default(true),
    unreachableStore: z
      .custom<() => WorkflowStore | Promise<WorkflowStore>>((value) => typeof value === 'function', 'a function returning a WorkflowStore')
      .optional(),
  })
  .strict();

export function resolveConformanceOptions(options: StoreConformanceOptions | undefined): ResolvedConformanceOptions {
  const parsed = parseOptions(OptionsSchema, options ?? {}, { adapter: 'testkit', factory: 'describeStoreConformance' });
  return { ...parsed, unreachableStore: parsed.unreachableStore, maxValueBytes: MAX_PAYLOAD_BYTES };
}
