// What OpenTelemetry costs the engine per step: off (no provider, nothing added to any path), and on with the
// real SDK (every span to an in-memory exporter, every metric to a meter provider). Median of several runs each,
// interleaved so that drift in the machine's speed touches both alike.
// Run: npm run bench (builds first). Prints figures; asserts nothing.
import { createMemoryStore, createRuntime, WorkflowEntrypoint, type RuntimeOptions, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

class ManySteps extends WorkflowEntrypoint<unknown, { steps: number }> {
  async run(event: WorkflowEvent<{ steps: number }>, step: WorkflowStep) {
    let total = 0;
    for (let i = 0; i < event.payload.steps; i++) total += await step.do('step', async () => i);
    return total;
  }
}

class DiscardingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

async function perStep(steps: number, telemetry: RuntimeOptions['telemetry']): Promise<number> {
  const runtime = createRuntime({ store: createMemoryStore(), workflows: { MANY: ManySteps }, telemetry });
  await runtime.workflow('MANY').create({ id: 'warm', params: { steps: 1_000 } });
  await runtime.idle();
  const started = process.hrtime.bigint();
  const instance = await runtime.workflow('MANY').create({ id: 'timed', params: { steps } });
  // Yield to timers between checks: the first replay starts from the scheduler's timer.
  while ((await instance.status()).status !== 'complete') {
    await new Promise((resolve) => setTimeout(resolve, 1));
    await runtime.idle();
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1000;
  await runtime.close();
  return elapsed / steps;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const exporter = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const meterProvider = new MeterProvider({ readers: [new DiscardingReader()] });
const off: number[] = [];
const on: number[] = [];
for (let round = 0; round < 7; round++) {
  off.push(await perStep(10_000, false));
  on.push(await perStep(10_000, { tracerProvider, meterProvider }));
  exporter.reset();
}
console.log('core engine telemetry (memory store, 1 instance x 10,000 steps, median of 7)');
console.log(`  per-step, telemetry off (no provider):          ${median(off).toFixed(1)} µs/step`);
console.log(`  per-step, spans + metrics to the real SDK:      ${median(on).toFixed(1)} µs/step (in-memory span exporter)`);
await tracerProvider.shutdown();
await meterProvider.shutdown();
