// What each capability file receives: the store of the running test, its harness, and the resolved options.

import type { WorkflowStore } from '@cairn/core';
import type { ResolvedConformanceOptions, StoreHarness } from './options.js';

export interface SuiteContext {
  /** The store of the test that is running (a fresh one per test). */
  readonly store: WorkflowStore;
  /** The running test's harness (its faults, reopen and corrupt, when it has them). */
  readonly harness: StoreHarness;
  readonly options: ResolvedConformanceOptions;
}
