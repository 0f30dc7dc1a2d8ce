// The real OpenTelemetry SDK in memory, for telemetry tests: a tracer provider with an in-memory exporter, a
// meter provider whose reader collects on demand, and helpers to read spans and metric points.

import { context, trace, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export interface TelemetryRig {
  tracerProvider: TracerProvider;
  meterProvider: MeterProvider;
  spans(): ReadableSpan[];
  span(name: string, filter?: (span: ReadableSpan) => boolean): ReadableSpan;
  /** Sum of a counter's points (across attributes), or undefined when the metric was never recorded. */
  counter(name: string): Promise<number | undefined>;
  /** Count of a histogram's recordings. */
  histogramCount(name: string): Promise<number | undefined>;
  gauge(name: string): Promise<number | undefined>;
  shutdown(): Promise<void>;
}

export function telemetryRig(): TelemetryRig {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const points = async (name: string) => {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === name);
    return metric?.dataPoints as DataPoint<unknown>[] | undefined;
  };
  return {
    tracerProvider,
    meterProvider,
    spans: () => exporter.getFinishedSpans(),
    span(name, filter = () => true) {
      const found = exporter.getFinishedSpans().filter((span) => span.name === name && filter(span));
      if (found.length !== 1)
        throw new Error(
          `expected one span "${name}", found ${found.length}: ${exporter
            .getFinishedSpans()
            .map((s) => s.name)
            .join(', ')}`,
        );
      return found[0]!;
    },
    async counter(name) {
      const found = await points(name);
      return found?.reduce((sum, point) => sum + (point.value as number), 0);
    },
    async histogramCount(name) {
      const found = await points(name);
      return found?.reduce((sum, point) => sum + (point.value as Histogram).count, 0);
    },
    async gauge(name) {
      const found = await points(name);
      return found?.at(-1)?.value as number | undefined;
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** Async context for the test process (an SDK's start() does this), so that spans made inside steps find their parent. */
export function enableContext(): () => void {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  return () => {
    context.disable();
    manager.disable();
  };
}

export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

export function traceparentOf(spanContext: SpanContext): string {
  return `00-${spanContext.traceId}-${spanContext.spanId}-0${spanContext.traceFlags}`;
}

export { trace };
