import { afterAll } from 'vitest';
import { describeStoreConformance } from '@cairn/testkit';
import { createSqliteStore } from '@cairn/store-sqlite';
import { tempDir } from './helpers.js';

// A fresh database file per test, in one temporary directory for the run.
const dir = tempDir();
let files = 0;
afterAll(() => dir.cleanup());

describeStoreConformance('sqlite', () => {
  const store = createSqliteStore({ path: dir.file(`conformance-${files++}.db`) });
  return { store, cleanup: () => store.close() };
});
