// The crash test's worker process: a Node host on one SQLite file, creating the instances it finds
// missing and running them. The parent kills it at random moments (see crash.test.ts).
// Usage: node child.mjs <dbPath> <effectsPath> <instances>

import { DatabaseSync } from 'node:sqlite';
import { CairnError, NonRetryableError, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createNodeHost } from '@cairn/host-node';
import { createSqliteStore } from '@cairn/store-sqlite';

const [dbPath, effectsPath, countArg] = process.argv.slice(2);
if (!dbPath || !effectsPath || !countArg) throw new Error('usage: child.mjs <dbPath> <effectsPath> <instances>');

// Side effects go to their own file, outside the journal's transactions: each row is one execution.
const effects = new DatabaseSync(effectsPath);
effects.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000');
effects.exec('CREATE TABLE IF NOT EXISTS effects (instance_id TEXT NOT NULL, step TEXT NOT NULL, attempt INTEGER NOT NULL, pid INTEGER NOT NULL)');
const insertEffect = effects.prepare('INSERT INTO effects (instance_id, step, attempt, pid) VALUES (?, ?, ?, ?)');
const effect = (instanceId: string, step: string, attempt: number) => insertEffect.run(instanceId, step, attempt, process.pid);

class Crashy extends WorkflowEntrypoint<Record<string, unknown>, { n: number }> {
  async run(event: WorkflowEvent<{ n: number }>, step: WorkflowStep) {
    const id = event.instanceId;
    const { n } = event.payload;
    const a = await step.do('a', async (ctx) => {
      effect(id, 'a', ctx.attempt);
      return n * 2;
    });
    const b = await step.do('flaky', { retries: { limit: 6, delay: 20, backoff: 'constant' } }, async (ctx) => {
      effect(id, 'flaky', ctx.attempt);
      if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} fails on purpose`);
      return a + 1;
    });
    await step.sleep('nap', 150);
    const c = await step.do('c', async (ctx) => {
      effect(id, 'c', ctx.attempt);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 30));
      return b * 10;
    });
    return { n, c };
  }
}

/** A saga that always fails at its last step: its rollbacks (one of them flaky) run in reverse order. */
class Saga extends WorkflowEntrypoint<Record<string, unknown>, { n: number }> {
  async run(event: WorkflowEvent<{ n: number }>, step: WorkflowStep) {
    const id = event.instanceId;
    const undo =
      (name: string, failFirst: boolean) =>
      async ({ ctx }: { ctx: { attempt: number } }) => {
        effect(id, `undo ${name}`, ctx.attempt);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
        if (failFirst && !undone.has(`${id}:${name}`)) {
          undone.add(`${id}:${name}`);
          throw new Error(`undo ${name} fails once in this process`);
        }
      };
    const rollbackConfig = { retries: { limit: 10, delay: 20, backoff: 'constant' as const } };
    await step.do('reserve', async (ctx) => (effect(id, 'reserve', ctx.attempt), 'r'), { rollback: undo('reserve', false), rollbackConfig });
    await step.do('charge', async (ctx) => (effect(id, 'charge', ctx.attempt), 'c'), { rollback: undo('charge', true), rollbackConfig });
    await step.do('ship', async () => {
      throw new NonRetryableError(`no courier for ${event.payload.n}`);
    });
  }
}
const undone = new Set<string>();

const runner = createNodeHost({
  store: createSqliteStore({ path: dbPath }),
  workflows: { CRASHY: Crashy, SAGA: Saga },
  leaseMs: 1_000,
  maxInProcessWaitMs: 20,
  sliceMs: 500,
  pollIntervalMs: 20,
  onError: () => undefined,
});
await runner.start();
const binding = runner.runtime.workflow('CRASHY');
const sagas = runner.runtime.workflow('SAGA');
for (let n = 0; n < Number(countArg); n++) {
  for (const [workflow, id] of [
    [binding, `i${n}`],
    [sagas, `s${n}`],
  ] as const) {
    if (workflow === sagas && n % 4 !== 0) continue; // a quarter as many sagas
    try {
      await workflow.create({ id, params: { n } });
    } catch (error) {
      if (!CairnError.is(error, 'instance_already_exists')) throw error;
    }
  }
}
process.stdout.write('created\n');
