import { DatabaseSync } from 'node:sqlite';
import { afterAll } from 'vitest';
import { describeStoreConformance, type StoreFaults } from '@cairn/testkit';
import { createSqliteStore, type SqliteStore } from '@cairn/store-sqlite';
import type { WorkflowStore } from '@cairn/core';
import { tempDir } from './helpers.js';

// A fresh database file per test, in one temporary directory for the run.
const dir = tempDir();
let files = 0;
afterAll(() => dir.cleanup());

/** SQLITE_BUSY after the commit: the store takes it as a transient failure and runs the write again. */
function lostAnswer(resumeAfter?: Promise<unknown>): Error {
  return Object.assign(new Error('injected: the answer was lost after the commit'), { errcode: 5, resumeAfter });
}

/** Faults through the store's hooks: an answer lost after its commit, or writes refused from some point on. */
function hookFaults(): { faults: StoreFaults; afterCommit: () => void; beforeWrite: () => void } {
  let lose: { interleave?: () => Promise<unknown> } | undefined;
  let allowed = Number.POSITIVE_INFINITY;
  return {
    faults: {
      loseNextResponse: (options = {}) => void (lose = options),
      failAfter: (requests) => void (allowed = requests),
      heal: () => void (allowed = Number.POSITIVE_INFINITY),
    },
    afterCommit() {
      if (!lose) return;
      const { interleave } = lose;
      lose = undefined;
      throw lostAnswer(interleave?.());
    },
    beforeWrite() {
      if (allowed <= 0) throw new Error('injected: the store is gone (a crash midway)');
      allowed--;
    },
  };
}

describeStoreConformance('sqlite', () => {
  const path = dir.file(`conformance-${files++}.db`);
  const hooks = hookFaults();
  const open = () => createSqliteStore({ path, afterCommit: hooks.afterCommit, beforeWrite: hooks.beforeWrite });
  let current: SqliteStore = open();
  return {
    store: current as WorkflowStore,
    faults: hooks.faults,
    cleanup: () => current.close(),
    async reopen() {
      await current.close();
      current = createSqliteStore({ path, requireExisting: true });
      return current;
    },
    async corrupt(ref) {
      const db = new DatabaseSync(path);
      try {
        db.prepare("UPDATE instances SET status = 'not-a-status' WHERE workflow_name = ? AND instance_id = ?").run(ref.workflowName, ref.instanceId);
      } finally {
        db.close();
      }
    },
  };
});
