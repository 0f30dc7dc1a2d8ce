// The OpenTelemetry API, an optional peer dependency: loaded once, when a runtime is created, and only if it
// is installed. Its globals live on `globalThis` under a versioned key, so this copy sees the providers an SDK
// registered through any other copy of the API (ESM or CommonJS).

import { createRequire } from 'node:module';
import type * as Otel from '@opentelemetry/api';

export type OtelApi = typeof Otel;

let loaded: OtelApi | null | undefined;

/** The API module, or null when `@opentelemetry/api` is not installed. */
export function otelApi(): OtelApi | null {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}

/** The globally registered tracer provider, if an SDK registered one (the API's own default is a no-op). */
export function registeredTracerProvider(api: OtelApi): Otel.TracerProvider | undefined {
  const global = api.trace.getTracerProvider() as Otel.TracerProvider & { getDelegate?: () => Otel.TracerProvider };
  // Unregistered, the API hands out its proxy whose delegate is the no-op provider every new proxy has.
  const noop = new api.ProxyTracerProvider().getDelegate();
  const delegate = global.getDelegate?.() ?? global;
  return delegate === noop ? undefined : global;
}

/** The globally registered meter provider, if an SDK registered one. */
export function registeredMeterProvider(api: OtelApi): Otel.MeterProvider | undefined {
  const global = api.metrics.getMeterProvider();
  const NoopMeter = api.createNoopMeter().constructor;
  return global.getMeter('cairn') instanceof NoopMeter ? undefined : global;
}
