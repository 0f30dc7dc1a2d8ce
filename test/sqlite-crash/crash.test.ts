// Kill -9 a runner at random moments, over and over, on one SQLite file: no instance is lost, every step
// outcome is recorded exactly once, and every instance completes with the right output; every failing saga
// runs each rollback to a single recorded outcome, in reverse order.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deserialize } from '@cairn/core';
import { createSqliteStore } from '@cairn/store-sqlite';

const INSTANCES = 200;
const KILLS = 50;
const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cairn-crash-'));
const dbPath = join(dir, 'cairn.db');
const effectsPath = join(dir, 'effects.db');
const childPath = join(dir, 'child.mjs');
const children = new Set<ChildProcess>();

/** Starts a runner that creates instances i0..i<count-1> (those missing) and runs whatever is due. */
function startChild(count: number): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; output: () => string } {
  const child = spawn(process.execPath, [childPath, dbPath, effectsPath, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, exited, output: () => output };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const SAGAS = INSTANCES / 4;

/** Instances finished as expected: the CRASHY ones complete, the SAGA ones errored (after their rollbacks). */
function finishedCount(): number {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return (
      db
        .prepare(
          "SELECT count(*) AS n FROM instances WHERE (workflow_name = 'CRASHY' AND status = 'complete') OR (workflow_name = 'SAGA' AND status = 'errored')",
        )
        .get() as { n: number }
    ).n;
  } catch {
    return 0; // Not created yet.
  } finally {
    db.close();
  }
}

/** Leases a process still holds (runner owners are `host:pid:random`). */
function leasesHeldBy(pid: number): number {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM instances WHERE lease_owner LIKE ?').get(`%:${pid}:%`) as { n: number }).n;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  // Bundle the child from the sources, so it runs without building any package.
  await build({
    entryPoints: [fileURLToPath(new URL('./child.ts', import.meta.url))],
    outfile: childPath,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'error',
    alias: {
      '@cairn/core': join(root, 'packages/core/src/index.ts'),
      '@cairn/store-sqlite': join(root, 'adapters/store-sqlite/src/index.ts'),
    },
  });
});

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('the SQLite runner under SIGKILL', () => {
  it(`survives ${KILLS} kills: every instance completes, every outcome recorded once`, { timeout: 150_000 }, async () => {
    let kills = 0;
    let terms = 0;
    for (let round = 0; kills < KILLS; round++) {
      // Instances arrive over the rounds, so that kills keep landing on work in flight.
      const { child, exited, output } = startChild(Math.min(INSTANCES, 5 * (round + 1)));
      await sleep(150 + Math.random() * 500);
      if (round % 10 === 9) {
        // A clean stop instead: SIGTERM lets running steps record, and the runner gives back every lease it took.
        child.kill('SIGTERM');
        const { signal } = await exited;
        expect(signal, output()).toBe('SIGTERM');
        expect(leasesHeldBy(child.pid!)).toBe(0);
        terms++;
      } else {
        child.kill('SIGKILL');
        await exited;
        kills++;
      }
    }
    const beforeFinal = finishedCount();

    const final = startChild(INSTANCES);
    const deadline = Date.now() + 60_000;
    while (finishedCount() < INSTANCES + SAGAS && Date.now() < deadline) await sleep(100);
    final.child.kill('SIGTERM');
    expect((await final.exited).signal, final.output()).toBe('SIGTERM');

    const store = createSqliteStore({ path: dbPath });
    const effects = new DatabaseSync(effectsPath, { readOnly: true });
    const executions = new Map<string, number>();
    for (const row of effects.prepare('SELECT instance_id AS id, step, count(*) AS n FROM effects GROUP BY 1, 2').all()) {
      executions.set(`${row.id}:${row.step}`, row.n as number);
    }
    // Execution order of the rollbacks: rowid is insertion order across processes.
    const undoSpan = new Map<string, { first: number; last: number }>();
    for (const row of effects
      .prepare("SELECT instance_id AS id, step, min(rowid) AS first, max(rowid) AS last FROM effects WHERE step LIKE 'undo %' GROUP BY 1, 2")
      .all()) {
      undoSpan.set(`${row.id}:${row.step}`, { first: row.first as number, last: row.last as number });
    }
    effects.close();
    let recovered = 0;
    let reexecuted = 0;
    for (let n = 0; n < INSTANCES; n++) {
      const journal = await store.loadJournal({ workflowName: 'CRASHY', instanceId: `i${n}` });
      expect(journal, `instance i${n} lost`).not.toBeNull();
      const { instance, steps } = journal!;
      expect(instance.status).toBe('complete');
      expect(deserialize(instance.output!)).toEqual({ n, c: (2 * n + 1) * 10 });
      expect(instance.leaseOwner).toBeNull();
      expect(instance.wakeAt).toBeNull();
      if (instance.recoveries > 0) recovered++;
      // One outcome per step, with the value the step computes.
      const outcomes = steps.filter((step) => step.state === 'completed' || step.state === 'failed');
      expect(outcomes.map((step) => step.key).sort()).toEqual(['do:a-1', 'do:c-1', 'do:flaky-1']);
      expect(outcomes.every((step) => step.state === 'completed')).toBe(true);
      expect(deserialize(outcomes.find((step) => step.key === 'do:a-1')!.value!)).toBe(2 * n);
      expect(deserialize(outcomes.find((step) => step.key === 'do:flaky-1')!.value!)).toBe(2 * n + 1);
      expect(steps.filter((step) => step.id === 'sleep:nap-1#start')).toHaveLength(1);
      // The flaky step failed its first two attempts (plus any a kill interrupted) before succeeding.
      const flaky = outcomes.find((step) => step.key === 'do:flaky-1')!;
      expect(flaky.attempt).toBeGreaterThanOrEqual(3);
      expect(steps.filter((step) => step.key === 'do:flaky-1' && step.state === 'attempt-failed')).toHaveLength(flaky.attempt - 1);
      // Every attempt that was not cut short by a kill really ran (the engine records a killed attempt as
      // failed without running it); more executions are attempts a kill hit before their record was written.
      for (const key of ['a', 'flaky', 'c']) {
        const ran = steps.filter(
          (step) => step.key === `do:${key}-1` && (step.state === 'completed' || !step.error?.message.startsWith('Attempt failed due to internal')),
        ).length;
        const count = executions.get(`i${n}:${key}`) ?? 0;
        expect(count, `i${n}:${key}`).toBeGreaterThanOrEqual(ran);
        expect(ran, `i${n}:${key}`).toBeGreaterThanOrEqual(1);
        reexecuted += count - ran;
      }
    }
    let sagasRecovered = 0;
    for (let n = 0; n < INSTANCES; n += 4) {
      const id = `s${n}`;
      const journal = await store.loadJournal({ workflowName: 'SAGA', instanceId: id });
      expect(journal, `saga ${id} lost`).not.toBeNull();
      const { instance, steps } = journal!;
      expect(instance.status, id).toBe('errored');
      expect(instance.error).toEqual({
        name: 'NonRetryableError',
        message: `no courier for ${n}`,
        rollback: { outcome: 'complete', error: null },
      });
      if (instance.recoveries > 0) sagasRecovered++;
      // Each rollback recorded once, completed; the charge was undone (all its executions) before the reserve.
      const undoOutcomes = steps.filter((step) => step.kind === 'rollback' && (step.state === 'completed' || step.state === 'failed'));
      expect(undoOutcomes.map((step) => [step.key, step.state]).sort()).toEqual([
        ['rollback:charge-1', 'completed'],
        ['rollback:reserve-1', 'completed'],
      ]);
      const charge = undoSpan.get(`${id}:undo charge`);
      const reserve = undoSpan.get(`${id}:undo reserve`);
      expect(charge && reserve, `${id}: both undos ran`).toBeTruthy();
      expect(charge!.last, `${id}: undo charge ran after undo reserve started`).toBeLessThan(reserve!.first);
      expect(executions.get(`${id}:undo charge`)!, id).toBeGreaterThanOrEqual(2); // it fails once per process
    }
    await store.close();
    console.log(`[crash] sagas: ${SAGAS} rolled back in order; ${sagasRecovered} recovered from a dead runner`);
    console.log(
      `[crash] ${kills} SIGKILLs, ${terms} SIGTERMs; ${beforeFinal}/${INSTANCES + SAGAS} finished before the final run; ` +
        `${recovered} instances recovered from a dead runner; ${reexecuted} step executions lost to kills and re-run`,
    );
    expect(recovered).toBeGreaterThan(0);
  });
});
