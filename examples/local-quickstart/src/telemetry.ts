// OpenTelemetry for the quick-start: `npm run otlp` loads this first (`node --import`), so the SDK's providers
// are registered before the runtime is created and Cairn sends its spans and metrics through them, over
// OTLP/HTTP to a collector at OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318: a local
// OpenTelemetry Collector, Jaeger or Grafana's otel-lgtm image all listen there).
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? 'cairn-quickstart',
  spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  metricReaders: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: 10_000 })],
});
sdk.start();

// Whatever is still buffered is sent before the process exits.
let stopping: Promise<void> | undefined;
const stop = () => (stopping ??= sdk.shutdown().catch((error: unknown) => console.error('[telemetry] shutdown failed:', error)));
process.once('beforeExit', () => void stop());
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().then(() => process.exit(130)));
