// A runtime's telemetry, or none: OpenTelemetry spans and metrics when `@opentelemetry/api` is installed and a
// provider is given or registered globally (when the runtime is created); otherwise nothing is added to any path.

import type { Meter, Tracer } from '@opentelemetry/api';
import type { Clock } from '../clock.js';
import { InvalidOptionsError } from '../errors.js';
import type { RuntimeHooks } from '../hooks/types.js';
import { mergeHooks } from '../logging/runtime-records.js';
import { Metrics } from './metrics.js';
import { otelApi, registeredMeterProvider, registeredTracerProvider } from './otel-api.js';
import type { TelemetryOptions } from './options.js';
import { Tracing } from './tracing.js';
import type { RuntimeTelemetry } from './types.js';

export type { TelemetryOptions } from './options.js';
export type { RuntimeTelemetry } from './types.js';

const SCOPE = '@cairn/core';

export function runtimeTelemetry(
  options: TelemetryOptions | false | undefined,
  clock: Clock,
  runner: string,
): { telemetry: RuntimeTelemetry; hooks: RuntimeHooks } | undefined {
  if (options === false) return undefined;
  const api = otelApi();
  if (!api) {
    if (options?.tracerProvider || options?.meterProvider) {
      throw new InvalidOptionsError('core', 'createRuntime', [
        { option: 'telemetry', message: 'needs the optional peer dependency @opentelemetry/api; install it (npm install @opentelemetry/api)' },
      ]);
    }
    return undefined;
  }
  const tracerProvider = options?.tracerProvider ?? registeredTracerProvider(api);
  const meterProvider = options?.meterProvider ?? registeredMeterProvider(api);
  if (!tracerProvider && !meterProvider) return undefined;
  const tracing = tracerProvider ? new Tracing(api, tracerProvider.getTracer(SCOPE) as Tracer, runner) : undefined;
  const metrics = meterProvider ? new Metrics(meterProvider.getMeter(SCOPE) as Meter, clock) : undefined;
  return { telemetry: combined(tracing, metrics), hooks: hooksOf(tracing, metrics) };
}

function combined(tracing: Tracing | undefined, metrics: Metrics | undefined): RuntimeTelemetry {
  return {
    replayRequested: () => tracing?.replayRequested(),
    sessionStarted(instance, requested) {
      metrics?.sessionStarted(instance);
      tracing?.sessionStarted(instance, requested as never);
    },
    replayEnded: (ref, report, error) => tracing?.replayEnded(ref, report, error),
    runAttempt: (ref, key, attempt, callback) => (tracing ? tracing.runAttempt(ref, key, attempt, callback) : callback()),
    create: (record, write) => (tracing ? tracing.create(record, write) : write()),
    hostWork: (name, trace, attributes, work) => (tracing ? tracing.hostWork(name, trace, attributes, work) : work()),
    sweepObserved: (due) => metrics?.sweepObserved(due),
  };
}

function hooksOf(tracing: Tracing | undefined, metrics: Metrics | undefined): RuntimeHooks {
  const traced: RuntimeHooks | undefined = tracing && { onStepStart: (info) => tracing.onStepStart(info), onStepEnd: (info) => tracing.onStepEnd(info) };
  const measured: RuntimeHooks | undefined = metrics && {
    onStepEnd: (info) => metrics.onStepEnd(info),
    onInstanceStatus: (change) => metrics.onInstanceStatus(change),
    onReplay: (info) => metrics.onReplay(info),
  };
  return measured ? mergeHooks(traced, measured) : traced!;
}
