// `createRuntime({ telemetry })`: the providers to use, typed structurally so that Cairn's types do not need
// `@opentelemetry/api` installed.

export interface TelemetryOptions {
  /** Spans go to this provider. @default the globally registered one (an SDK's `start()` registers it), if any */
  tracerProvider?: { getTracer(name: string, version?: string): unknown };
  /** Metrics go to this provider. @default the globally registered one, if any */
  meterProvider?: { getMeter(name: string, version?: string): unknown };
}
