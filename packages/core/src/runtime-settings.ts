// The engine settings a runtime gives every replay, from its options with their defaults.

import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import { parseDuration } from './duration.js';
import { createHeartbeat } from './engine/heartbeat.js';
import type { EngineSettings } from './engine/settings.js';
import { DEFAULT_STEP_LIMIT } from './limits.js';
import type { RuntimeOptions } from './runtime-options.js';
import type { Scheduler } from './scheduler.js';
import { withHooks } from './hooks/index.js';
import { createLogSink, mergeHooks, runtimeLogHooks } from './logging/index.js';
import { runtimeTelemetry, type RuntimeTelemetry } from './telemetry/index.js';
import { DEFAULT_LEASE_MS, DEFAULT_MAX_IN_PROCESS_WAIT_MS, heartbeatEveryMs } from './shared/intervals.js';

function engineSettings(options: RuntimeOptions<object>, clock: Clock, scheduler: Scheduler, owner: string): EngineSettings {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const retention = options.retention ?? null;
  return {
    store: options.store,
    scheduler,
    clock,
    owner,
    leaseMs,
    maxInProcessWaitMs: options.maxInProcessWaitMs ?? DEFAULT_MAX_IN_PROCESS_WAIT_MS,
    stepLimit: options.stepLimit ?? DEFAULT_STEP_LIMIT,
    retentionMs: retention === null ? null : parseDuration(retention, 'retention'),
    stepOverride: options.stepOverride,
    // One timer renews every lease; it ticks twice per renewal period so that each replay renews on time.
    heartbeat: createHeartbeat(clock, Math.max(15, Math.floor(heartbeatEveryMs(leaseMs) / 2))),
  };
}

/**
 * The engine settings with the runtime's logger, hooks and telemetry wired in, and the error handler: only a
 * runtime with hooks (or a logger or telemetry, which are told through hooks) writes through the hooked store.
 */
export function runtimeSettings(
  options: RuntimeOptions<object>,
  clock: Clock,
  scheduler: Scheduler,
): { settings: EngineSettings; onError: RuntimeErrorHandler; telemetry: RuntimeTelemetry | undefined } {
  const owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const traced = runtimeTelemetry(options.telemetry, clock, owner);
  const sink = options.logger ? createLogSink(options.logger, options.logLevel ?? 'warn') : undefined;
  const onError: RuntimeErrorHandler =
    options.onError ??
    (sink
      ? (error, context) =>
          sink.write('error', `${context.operation} of ${context.workflowName}/${context.instanceId} failed`, {
            workflow: context.workflowName,
            instance: context.instanceId,
            operation: context.operation,
            error,
          })
      : logRuntimeError);
  const logged = sink ? mergeHooks(options.hooks, runtimeLogHooks(sink)) : options.hooks;
  const hooks = traced ? mergeHooks(logged, traced.hooks) : logged;
  const hooked = hooks ? withHooks(options.store, hooks, clock, onError) : undefined;
  const settings = engineSettings(hooked ? { ...options, store: hooked.store } : options, clock, scheduler, owner);
  hooked?.wire(settings);
  if (traced) settings.telemetry = traced.telemetry;
  settings.onNonDeterminism = (ref, error) => onError(error, { ...ref, operation: 'replay (determinism guard: the instance is paused)' });
  // Workflow code's own lines are written at every level: the logger filters them (pino does; console prints all).
  settings.workflowLogSink = createLogSink(options.logger ?? console, 'debug', '');
  return { settings, onError, telemetry: traced?.telemetry };
}

export type RuntimeErrorHandler = NonNullable<RuntimeOptions['onError']>;

const logRuntimeError: RuntimeErrorHandler = (error, context) =>
  console.error(`[cairn] ${context.operation} of ${context.workflowName}/${context.instanceId} failed:`, error);
