// What a dynamic workflow costs per step beside a static one, in one run: the same workflow as a registered class
// (static), loaded from module text by createTenantLoader and run through the dispatcher (dynamic, runner cached),
// and the same with its run() in an isolated Worker (every step call and attempt crossing threads). Also a
// replay's fixed cost: a 10-step instance, start to complete. Memory store; median of several rounds.
// Run: npm run bench (builds first). Prints figures; asserts nothing.
import { createMemoryStore, createRuntime, WorkflowEntrypoint, type Runtime, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createDynamicWorkflowEntrypoint, createTenantLoader, wrapWorkflowBinding, type IsolationOptions } from '@cairn/dynamic';

class ManySteps extends WorkflowEntrypoint<unknown, { steps: number }> {
  async run(event: WorkflowEvent<{ steps: number }>, step: WorkflowStep) {
    let total = 0;
    for (let i = 0; i < event.payload.steps; i++) total += await step.do('step', async () => i);
    return total;
  }
}

const TENANT_CODE = `
import { WorkflowEntrypoint } from '@cairn/core';
export default class ManySteps extends WorkflowEntrypoint {
  async run(event, step) {
    let total = 0;
    for (let i = 0; i < event.payload.steps; i++) total += await step.do('step', async () => i);
    return total;
  }
}`;

type Mode = 'static' | 'dynamic' | 'isolated';

function runtimeFor(mode: Mode): { runtime: Runtime; create: (id: string, steps: number) => Promise<unknown> } {
  if (mode === 'static') {
    const runtime = createRuntime({ store: createMemoryStore(), workflows: { MANY: ManySteps } });
    return { runtime, create: (id, steps) => runtime.workflow('MANY').create({ id, params: { steps } }) };
  }
  const isolation: IsolationOptions | undefined = mode === 'isolated' ? {} : undefined;
  const loader = createTenantLoader({ source: () => TENANT_CODE, currentVersion: () => 'v1', ...(isolation ? { isolation } : {}) });
  const Dynamic = createDynamicWorkflowEntrypoint((context) => loader.loadRunner(context));
  const runtime = createRuntime({ store: createMemoryStore(), workflows: { MANY: { workflow: Dynamic, currentVersion: loader.currentVersion } } });
  const binding = wrapWorkflowBinding({ tenantId: 'bench' }, { runtime, bindingName: 'MANY' });
  return { runtime, create: (id, steps) => binding.create({ id, params: { steps } }) };
}

/** µs per step of one instance of `steps` steps, after a warm-up instance (the runner cached, the JIT warm). */
async function perStep(mode: Mode, steps: number): Promise<number> {
  const { runtime, create } = runtimeFor(mode);
  await create('warm', 200);
  await settle(runtime, 'warm');
  const started = process.hrtime.bigint();
  await create('timed', steps);
  await settle(runtime, 'timed');
  const elapsed = Number(process.hrtime.bigint() - started) / 1000;
  await runtime.close();
  return elapsed / steps;
}

async function settle(runtime: Runtime, id: string): Promise<void> {
  const instance = await runtime.workflow('MANY').get(id);
  while ((await instance.status()).status !== 'complete') {
    await new Promise((resolve) => setTimeout(resolve, 1));
    await runtime.idle();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rounds = 5;
const results: Record<Mode, { many: number[]; few: number[] }> = {
  static: { many: [], few: [] },
  dynamic: { many: [], few: [] },
  isolated: { many: [], few: [] },
};
for (let round = 0; round < rounds; round++) {
  for (const mode of ['static', 'dynamic', 'isolated'] as const) {
    results[mode].many.push(await perStep(mode, mode === 'isolated' ? 2_000 : 10_000));
    results[mode].few.push((await perStep(mode, 10)) * 10);
  }
}
console.log(`@cairn/dynamic per-step overhead (memory store, one instance, median of ${rounds})`);
for (const mode of ['static', 'dynamic', 'isolated'] as const) {
  const label = { static: 'static class', dynamic: 'dynamic, cached runner', isolated: 'dynamic, isolated Worker' }[mode];
  console.log(
    `  ${label.padEnd(26)} ${median(results[mode].many).toFixed(1).padStart(7)} µs/step   a 10-step instance: ${(median(results[mode].few) / 1000).toFixed(2)} ms`,
  );
}
