// Engine overhead on the memory store: per-step cost, instance throughput, and resume time.
// Run: npm run bench (builds first). Prints figures; asserts nothing.
import { createMemoryStore, createRuntime, WorkflowEntrypoint, type RuntimeHooks, type WorkflowEvent, type WorkflowStep } from '@cairn/core';

class ManySteps extends WorkflowEntrypoint<unknown, { steps: number; sleep?: boolean }> {
  async run(event: WorkflowEvent<{ steps: number; sleep?: boolean }>, step: WorkflowStep) {
    let total = 0;
    for (let i = 0; i < event.payload.steps; i++) total += await step.do('step', async () => i);
    if (event.payload.sleep) await step.sleep('rest', '1 day');
    return total;
  }
}

function runtimeOnMemory(hooks?: RuntimeHooks) {
  const store = createMemoryStore();
  return { store, runtime: createRuntime({ store, workflows: { MANY: ManySteps }, ...(hooks ? { hooks } : {}) }) };
}

/** Every lifecycle hook set, each doing almost nothing: what the hooks themselves cost per step. */
const countingHooks = (): RuntimeHooks => {
  let calls = 0;
  const count = () => void calls++;
  return { onStepStart: count, onStepEnd: count, onInstanceStatus: count, onReplay: count };
};

async function perStepOverhead(steps: number, hooks?: RuntimeHooks): Promise<number> {
  const { runtime } = runtimeOnMemory(hooks);
  for (let i = 0; i < 3; i++) await runtime.workflow('MANY').create({ id: `warm-${i}`, params: { steps } });
  await settle(runtime);
  const started = process.hrtime.bigint();
  await runtime.workflow('MANY').create({ id: 'timed', params: { steps } });
  await settle(runtime);
  const elapsed = Number(process.hrtime.bigint() - started) / 1000;
  await runtime.close();
  return elapsed / steps;
}

/** Rounds of `count` instances on one runtime; the figures of each round, in instances per second. */
async function instancesPerSecond(count: number, rounds: number): Promise<number[]> {
  const { runtime, store } = runtimeOnMemory();
  const createAll = async (prefix: string, n: number) => {
    for (let i = 0; i < n; i += 100) {
      await runtime.workflow('MANY').createBatch(Array.from({ length: 100 }, (_, j) => ({ id: `${prefix}-${i + j}`, params: { steps: 3 } })));
    }
  };
  await createAll('warm', 2_000); // steady state, not JIT warm-up, is what is measured
  await settle(runtime);
  const figures: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    await createAll(`r${round}`, count);
    await settle(runtime);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const done = (await store.listInstances({ status: 'complete', limit: 100_000 })).instances.filter((i) => i.instanceId.startsWith(`r${round}-`)).length;
    if (done !== count) throw new Error(`only ${done} of ${count} instances completed`);
    figures.push(count / seconds);
  }
  await runtime.close();
  return figures;
}

async function resumeMs(steps: number, rounds: number): Promise<{ median: number; p99: number }> {
  const { runtime, store } = runtimeOnMemory();
  await runtime.workflow('MANY').create({ id: 'long', params: { steps, sleep: true } });
  await settle(runtime);
  const times: number[] = [];
  const ref = { workflowName: 'MANY', instanceId: 'long' };
  for (let i = 0; i < rounds; i++) {
    // Make the sleeper due, as its wake-up would: the replay then loads the journal and re-runs all 1,000 steps.
    const instance = (await store.getInstance(ref))!;
    await store.updateInstance({ ...ref, expectedVersion: instance.version, patch: { wakeAt: Date.now() } });
    const started = process.hrtime.bigint();
    const report = await runtime.replay({ workflowName: 'MANY', instanceId: 'long' });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (report.outcome !== 'suspended') throw new Error(`unexpected ${report.outcome}`);
  }
  await runtime.close();
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(rounds / 2)]!, p99: times[Math.floor(rounds * 0.99)]! };
}

async function settle(runtime: { idle(): Promise<void> }) {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    await runtime.idle();
  }
}

const perStep = await perStepOverhead(10_000);
const perStepHooked = await perStepOverhead(10_000, countingHooks());
const throughput = (await instancesPerSecond(10_000, 3)).sort((a, b) => a - b);
const resume = await resumeMs(1_000, 200);
console.log('core engine on the memory store');
console.log(`  per-step overhead (1 instance x 10,000 steps): ${perStep.toFixed(1)} µs/step   (target < 25)`);
console.log(`  the same with all four lifecycle hooks set:    ${perStepHooked.toFixed(1)} µs/step`);
const perSecond = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(
  `  three-step instances per second (3 x 10,000):  median ${perSecond(throughput[1]!)}/s, slowest round ${perSecond(throughput[0]!)}/s   (target >= 20,000)`,
);
console.log(`  resume of a 1,000-step journal:                median ${resume.median.toFixed(2)} ms, p99 ${resume.p99.toFixed(2)} ms   (target < 10)`);
