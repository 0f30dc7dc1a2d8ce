// A second process for the cross-process trace test: opens the SQLite file, registers its own tracer provider
// and async context globally (as an SDK's start() does), sweeps (the sleeping instance is due), and prints its finished spans as
// JSON lines. Run by second-process.test.ts with the built packages.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createRuntime } from '@cairn/core';
import { createSqliteStore } from '@cairn/store-sqlite';
import { Nap } from './nap-workflow.ts';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const store = createSqliteStore({ path: process.argv[2]! });
const runtime = createRuntime({ store, workflows: { NAP: Nap }, owner: 'runner-b' });
await runtime.sweep();
await runtime.idle();
await runtime.close();
store.close();
await provider.forceFlush();
for (const span of exporter.getFinishedSpans()) {
  const line = {
    name: span.name,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    links: span.links.map((link) => link.context.spanId),
    attributes: span.attributes,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
