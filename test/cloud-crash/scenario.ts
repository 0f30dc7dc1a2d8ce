// The crash scenario both cloud stores run: runner processes on one store, every request under injected faults,
// killed with SIGKILL over and over while a client that retries creates instances and sends each one's approval
// with one event id (a third of them three times, as a client unsure of its answer). In the end, checked from a
// store without faults: no instance lost, none stuck, one outcome per step, one stored event per approval.

import { expect } from 'vitest';
import { CairnError, createRuntime, deserialize, type Runtime, type Scheduler, type WorkflowStore } from '@cairn/core';
import { executions, kill, readLogs, type Runners } from './runners.js';
import { approvalAmount, expectedOutput, Payment, WORKFLOW } from './payment.js';

export interface CrashScenario {
  label: string;
  dir: string;
  runners: Runners;
  runnerCount: number;
  instances: number;
  kills: number;
  /** The pause before each kill, drawn between these (ms). */
  killEveryMs: [number, number];
  /** How often each runner reads the due index. */
  sweepMs: number;
  /** How long past its due time (plus one sweep) a due instance may wait before it counts as stuck. */
  faultAllowanceMs: number;
  /**
   * Whether the store's transactions isolate. Without isolation (the Firestore emulator) an event appended while a
   * runner's compare-and-set is in flight can be missed by both (the conformance kit's "appendEvent racing a
   * compare-and-set", which it leaves out there too): unfinished and stuck instances are then reported, not failed.
   */
  isolated: boolean;
  /** The store for checks, without faults. */
  store: WorkflowStore;
  /** The client's store, under faults. */
  clientStore: WorkflowStore;
  /** The client's scheduler (a fleet's: its wake-ups reach the runners at once). @default none: the runners' polls find them */
  clientScheduler?: Scheduler;
  /** Event records stored for an instance, consumed or not. */
  storedEvents(instanceId: string): Promise<number>;
  /** Faults injected so far, by kind. */
  faults(): Record<string, number>;
}

/**
 * How long past its due time plus one sweep a sampled instance may be due before it counts as stuck. On 2 cores
 * under a kill every 0.6–1.5 s, a due instance can wait out: the lease of a runner whose heartbeat the faults hold
 * back (up to the 2 s lease), a sweep whose read and claim are held (400 ms), reset and retried with backoff, and
 * the start of the runner that replaces a killed one (loading the SDKs takes a second or more). A lost wake-up,
 * the defect this guards against, leaves an instance due until its wait times out (an hour here).
 */
export const STUCK_ALLOWANCE_MS = 4_750;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Traffic {
  created: number;
  createRetries: number;
  alreadyExistsOnOwnCreate: number;
  sends: number;
  sendRetries: number;
}

async function withRetries<T>(work: () => Promise<T>, counters: { retries: number }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 20 || CairnError.is(error, 'invalid_input')) throw error;
      counters.retries++;
      await sleep(50 * attempt);
    }
  }
}

/** Creates the instances over time, and sends each approval (some twice more). */
async function drive(s: CrashScenario, runtime: Runtime, traffic: Traffic): Promise<void> {
  const binding = runtime.workflow(WORKFLOW);
  const sends: Promise<void>[] = [];
  for (let n = 0; n < s.instances; n++) {
    const id = `pay-${n}`;
    const counters = { retries: 0 };
    await withRetries(async () => {
      try {
        await binding.create({ id, params: { n } });
      } catch (error) {
        // Only a retry of ours that the first try already created may see this (counted, checked below).
        if (!CairnError.is(error, 'instance_already_exists') || counters.retries === 0) throw error;
        traffic.alreadyExistsOnOwnCreate++;
      }
    }, counters);
    traffic.created++;
    traffic.createRetries += counters.retries;
    sends.push(
      (async () => {
        await sleep(Math.random() * 4_000);
        for (let i = 0; i < (n % 3 === 0 ? 3 : 1); i++) {
          const sendCounters = { retries: 0 };
          await withRetries(async () => {
            const instance = await binding.get(id);
            await instance.sendEvent({ type: 'approval', payload: { amount: approvalAmount(n) }, id: `approval-${n}` });
          }, sendCounters);
          traffic.sends++;
          traffic.sendRetries += sendCounters.retries;
        }
      })(),
    );
    if (n % 10 === 9) await sleep(300);
  }
  await Promise.all(sends);
}

/** Each instance's longest wait past its due time seen by a sampler (running instances are due when their lease ends). */
const dueAt = new Map<string, number>();

function watchOverdue(store: WorkflowStore): { stop: () => Promise<Map<string, number>> } {
  const worst = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const now = Date.now();
      const due = await store.listDueInstances({ now, limit: 500 }).catch(() => []);
      for (const instance of due) {
        if (now - instance.wakeAt > (worst.get(instance.instanceId) ?? -1)) {
          worst.set(instance.instanceId, now - instance.wakeAt);
          dueAt.set(instance.instanceId, instance.wakeAt);
        }
      }
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return worst;
    },
  };
}

async function completedCount(store: WorkflowStore): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await store.listInstances({ workflowName: WORKFLOW, status: 'complete', limit: 50, ...(cursor ? { cursor } : {}) });
    count += page.instances.length;
    cursor = page.nextCursor;
  } while (cursor);
  return count;
}

/** Waits for every instance to complete; one minute without progress ends the wait (waiting longer would hide a stuck one). */
async function awaitCompletion(s: CrashScenario, started: number): Promise<void> {
  let lastLog = 0;
  let progressAt = Date.now();
  let previous = -1;
  for (let done = await completedCount(s.store); done < s.instances && Date.now() - progressAt < 60_000; done = await completedCount(s.store)) {
    if (done !== previous) [previous, progressAt] = [done, Date.now()];
    if (Date.now() - lastLog > 10_000) {
      console.log(`[${s.label}-crash] ${done}/${s.instances} complete after ${Math.round((Date.now() - started) / 1000)} s`);
      lastLog = Date.now();
    }
    await sleep(500);
  }
}

/**
 * Kills a random runner and starts another, `kills` times. Each kill comes `killEveryMs` after the last replacement
 * is up: a kill storm faster than a process start would test only that nothing runs while no runner is alive.
 */
async function killRepeatedly(s: CrashScenario, runners: ReturnType<Runners['start']>[]): Promise<number> {
  let kills = 0;
  while (kills < s.kills) {
    const [least, most] = s.killEveryMs;
    await sleep(least + Math.random() * (most - least));
    const victim = runners.splice(Math.floor(Math.random() * runners.length), 1)[0]!;
    await kill(victim, 'SIGKILL');
    kills++;
    const replacement = s.runners.start();
    runners.push(replacement);
    await s.runners.ready(replacement);
  }
  return kills;
}

export async function runCrashScenario(s: CrashScenario): Promise<void> {
  const started = Date.now();
  // Without a fleet scheduler the client's wake-ups are delivered by the runners' due-index polls.
  const scheduler = s.clientScheduler ?? { name: 'polled', schedule: async () => undefined };
  const runtime = createRuntime({ store: s.clientStore, scheduler, workflows: { [WORKFLOW]: Payment } });
  const runners = Array.from({ length: s.runnerCount }, () => s.runners.start());
  // Traffic starts once every runner is up: the lateness bounds measure wake-ups delivered by running runners, and
  // eight processes starting on two cores can take longer than the bound (the first instances were due meanwhile).
  await Promise.all(runners.map((runner) => s.runners.ready(runner)));
  const overdue = watchOverdue(s.store);
  const traffic: Traffic = { created: 0, createRetries: 0, alreadyExistsOnOwnCreate: 0, sends: 0, sendRetries: 0 };
  const driving = drive(s, runtime, traffic);
  const drivenOrFailed = driving.then(
    () => undefined,
    () => undefined,
  );
  const kills = await killRepeatedly(s, runners);
  await drivenOrFailed;
  await driving;
  console.log(
    `[${s.label}-crash] driven in ${Math.round((Date.now() - started) / 1000)} s: ${traffic.created} created, ${traffic.sends} sends; ${kills} kills`,
  );
  await awaitCompletion(s, started);
  const worstOverdue = await overdue.stop();
  await Promise.all(runners.map((runner) => kill(runner, 'SIGTERM')));
  const found = await checkOutcomes(s);
  const stuckAfterMs = s.sweepMs + s.faultAllowanceMs;
  const stuck = [...worstOverdue].filter(([, ms]) => ms > stuckAfterMs);
  const lateness = [...worstOverdue.values()].sort((a, b) => a - b);
  const faults = s.faults();
  const injected = Object.entries(faults)
    .filter(([kind]) => kind !== 'requests')
    .reduce((sum, [, n]) => sum + n, 0);
  console.log(
    `[${s.label}-crash] ${kills} SIGKILLs over ${s.runnerCount} runners; ${injected} faults injected ${JSON.stringify(faults)}; ` +
      `client: ${traffic.createRetries} create retries, ${traffic.sends} sends (${traffic.sendRetries} retries); ` +
      `${found.recovered} instances recovered from a killed runner; lost ${found.lost}, unfinished ${found.unfinished}, ` +
      `stuck ${stuck.length} (due for more than ${stuckAfterMs} ms; worst ${lateness.at(-1) ?? 0} ms, p99 of worst per instance ` +
      `${lateness[Math.floor(lateness.length * 0.99)] ?? 0} ms, median ${lateness[Math.floor(lateness.length / 2)] ?? 0} ms, ` +
      `${lateness.length} instances seen due, sweep ${s.sweepMs} ms); duplicate outcomes ${found.duplicateOutcomes}, ` +
      `duplicate events ${found.duplicateEvents}`,
  );
  for (const [id, ms] of stuck) {
    console.log(`[${s.label}-crash] ${id} was due for ${ms} ms (due at ${dueAt.get(id)})`);
    printLog(s, id);
  }
  expect(kills).toBeGreaterThanOrEqual(30);
  expect(injected).toBeGreaterThan(0);
  expect(found).toMatchObject({ lost: 0, duplicateOutcomes: 0, duplicateEvents: 0 });
  if (s.isolated) {
    expect(found.unfinished).toBe(0);
    expect(stuck).toEqual([]);
  }
  // A create the store gave up on after its own retries (every answer lost) may have applied: the caller's retry
  // then finds it (instance_already_exists). That needs a failure the store surfaced first, so it is rare, never
  // more than the caller's retries, and harmless: the instance exists once, with the params of the first try.
  expect(traffic.alreadyExistsOnOwnCreate).toBeLessThanOrEqual(Math.max(0, traffic.createRetries));
  expect(found.recovered).toBeGreaterThan(0);
  // Even without isolation, most instances finish: the runners do run under the faults and the kills.
  expect(found.unfinished).toBeLessThan(s.instances / 10);
}

interface Found {
  lost: number;
  unfinished: number;
  duplicateOutcomes: number;
  duplicateEvents: number;
  recovered: number;
}

/** Every instance from the store without faults: its output, one outcome per step, its bodies run, one stored approval. */
async function checkOutcomes(s: CrashScenario): Promise<Found> {
  const ran = executions(s.runners.effectsPath);
  const found: Found = { lost: 0, unfinished: 0, duplicateOutcomes: 0, duplicateEvents: 0, recovered: 0 };
  for (let n = 0; n < s.instances; n++) {
    const id = `pay-${n}`;
    const journal = await s.store.loadJournal({ workflowName: WORKFLOW, instanceId: id });
    if (!journal) {
      found.lost++;
      continue;
    }
    const { instance, steps } = journal;
    if (instance.status !== 'complete') {
      found.unfinished++;
      printHistory(s, id, journal);
      continue;
    }
    expect(deserialize(instance.output!), id).toEqual(expectedOutput(n));
    if (instance.recoveries > 0) found.recovered++;
    const outcomes = new Map<string, number>();
    for (const step of steps) if (step.state === 'completed' || step.state === 'failed') outcomes.set(step.key, (outcomes.get(step.key) ?? 0) + 1);
    for (const count of outcomes.values()) if (count > 1) found.duplicateOutcomes += count - 1;
    expect([...outcomes.keys()].sort(), id).toEqual(['do:charge-1', 'do:flaky-1', 'do:reserve-1', 'wait:approval-1']);
    expect(
      steps.filter((step) => step.id === 'sleep:settle-1#start'),
      id,
    ).toHaveLength(1);
    for (const key of ['reserve', 'flaky', 'charge']) expect(ran.get(`${id}:${key}`) ?? 0, `${id}:${key} ran`).toBeGreaterThanOrEqual(1);
    const events = await s.storedEvents(id);
    found.duplicateEvents += Math.max(0, events - 1);
    expect(events, `${id}: its approval stored`).toBeGreaterThanOrEqual(1);
  }
  return found;
}

function printHistory(s: CrashScenario, id: string, journal: NonNullable<Awaited<ReturnType<WorkflowStore['loadJournal']>>>): void {
  const { params: _params, ...fields } = journal.instance;
  console.log(`[${s.label}-crash] ${id} unfinished at ${Date.now()}: ${JSON.stringify(fields)}`);
  console.log(`  steps: ${journal.steps.map((step) => `${step.id}:${step.state}@${step.recordedAt}`).join(', ')}`);
  console.log(`  events: ${JSON.stringify(journal.events)}`);
  printLog(s, id);
}

function printLog(s: CrashScenario, id: string): void {
  const rows = readLogs(s.dir, 'history')
    .filter((row) => row[0] === id)
    .sort((a, b) => Number(a[2]) - Number(b[2]));
  for (const [, pid, began, ended, call, detail, outcome] of rows) console.log(`  ${began}-${ended} pid ${pid} ${call} ${detail} -> ${outcome}`);
}
