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
import { DEFAULT_LEASE_MS, DEFAULT_MAX_IN_PROCESS_WAIT_MS, heartbeatEveryMs } from './shared/intervals.js';

function engineSettings(options: RuntimeOptions<object>, clock: Clock, scheduler: Scheduler): EngineSettings {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const retention = options.retention ?? null;
  return {
    store: options.store,
    scheduler,
    clock,
    owner: options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    leaseMs,
    maxInProcessWaitMs: options.maxInProcessWaitMs ?? DEFAULT_MAX_IN_PROCESS_WAIT_MS,
    stepLimit: options.stepLimit ?? DEFAULT_STEP_LIMIT,
    retentionMs: retention === null ? null : parseDuration(retention, 'retention'),
    stepOverride: options.stepOverride,
    // One timer renews every lease; it ticks twice per renewal period so that each replay renews on time.
    heartbeat: createHeartbeat(clock, Math.max(15, Math.floor(heartbeatEveryMs(leaseMs) / 2))),
  };
}

/** The engine settings with the runtime's hooks wired in: only a runtime with hooks writes through the hooked store. */
export function hookedEngineSettings(options: RuntimeOptions<object>, clock: Clock, scheduler: Scheduler, onError: RuntimeErrorHandler) {
  const hooked = options.hooks ? withHooks(options.store, options.hooks, clock, onError) : undefined;
  const settings = engineSettings(hooked ? { ...options, store: hooked.store } : options, clock, scheduler);
  hooked?.wire(settings);
  return settings;
}

export type RuntimeErrorHandler = NonNullable<RuntimeOptions['onError']>;

export const logRuntimeError: RuntimeErrorHandler = (error, context) =>
  console.error(`[cairn] ${context.operation} of ${context.workflowName}/${context.instanceId} failed:`, error);
