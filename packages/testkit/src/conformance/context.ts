// What each capability file receives: the store of the running test and the resolved options.

import type { WorkflowStore } from '@cairn/core';
import type { ResolvedConformanceOptions } from './options.js';

export interface SuiteContext {
  /** The store of the test that is running (a fresh one per test). */
  readonly store: WorkflowStore;
  readonly options: ResolvedConformanceOptions;
}
