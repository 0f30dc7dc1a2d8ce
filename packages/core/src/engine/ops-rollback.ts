// Saga rollback, as Cloudflare's: when the instance fails, the rollback handler of every attempted step runs,
// in reverse step-start order, each as a durable step of its own (key `rollback:<name>-<n>`, retried under
// `rollbackConfig`); the first that fails for good stops the rest. A replay after a crash re-registers the
// handlers from the step calls and skips the rollbacks already recorded.

import { summarizeError } from '../error-codec.js';
import type { RollbackSummary } from '../records.js';
import { rollbackKey } from '../journal/keys.js';
import { runStep } from './ops-do.js';
import { replayOutcome } from './outcome.js';
import type { RollbackEntry } from './rollback-entry.js';
import type { StepScope } from './scope.js';

/** Runs the rollbacks; undefined when no step had one to run. */
export async function runRollbacks(scope: StepScope, entries: readonly RollbackEntry[], error: unknown): Promise<RollbackSummary | undefined> {
  const failure = error instanceof Error ? error : new Error(String(error));
  let ran = false;
  // Step-start order is call order (the index), whichever parallel step finished first.
  for (const entry of [...entries].sort((a, b) => b.index - a.index)) {
    await entry.whenSettled(); // an attempt in flight when the instance failed: its outcome first
    if (entry.attempt === 0) continue; // never attempted: nothing to undo
    ran = true;
    const key = rollbackKey(entry.name, entry.count);
    try {
      const recorded = scope.journal.outcomes.get(key);
      if (recorded) replayOutcome(recorded);
      else {
        await runStep(scope, {
          kind: 'rollback',
          key,
          name: entry.name,
          count: entry.count,
          index: scope.nextIndex(),
          config: entry.rollbackConfig,
          callback: (ctx) => entry.invoke(ctx, failure),
        });
      }
    } catch (rollbackError) {
      return { outcome: 'failed', error: summarizeError(rollbackError) };
    }
  }
  return ran ? { outcome: 'complete', error: null } : undefined;
}
