// createRuntime's options: their types, with defaults in plain view, and the schema that checks them.

import { z } from 'zod';
import { WorkflowVersionSchema } from './records.js';
import type { Clock } from './clock.js';
import type { StepOverrideHook } from './engine/settings.js';
import type { WorkflowRegistrations } from './typed-bindings.js';
import type { Scheduler } from './scheduler.js';
import type { WorkflowStore } from './store.js';
import type { RuntimeHooks } from './hooks/types.js';
import type { CairnLogger, LogLevel } from './logging/logger.js';
import type { TelemetryOptions } from './telemetry/options.js';

export interface RuntimeOptions<Env extends object = Record<string, unknown>, W extends WorkflowRegistrations = any> {
  store: WorkflowStore;
  /** Wakes sleeping instances. @default in-process timers (`createTimerScheduler`) */
  scheduler?: Scheduler;
  /** Binding name -> workflow class (as wrangler's `workflows` config), optionally with a zod params schema. */
  workflows: W;
  /** What workflows see as `this.env`, besides the bindings. */
  env?: Env;
  /** @default the system clock */
  clock?: Clock;
  /** Names this runner in leases. @default host:pid:random */
  owner?: string;
  /** Lease length; a runner that dies holds an instance at most this long. @default 30_000 */
  leaseMs?: number;
  /**
   * Sleeps, event waits and retry delays up to this long keep `run()` going in place (the instance reads
   * `waiting` meanwhile, and a runner that dies during one leaves the instance due when it ends); longer ones
   * suspend the instance, and its next replay runs `run()` from the top. A workflow with a concurrency limit
   * holds at most 1 s (a held wait keeps its slot). @default 1_000 (60_000 on the Node host)
   */
  maxInProcessWaitMs?: number;
  /** Steps per instance. @default 10_000 */
  stepLimit?: number;
  /** Events an instance may hold that no wait has taken yet; `sendEvent` past it throws EventBufferFullError (HTTP 429). @default 1_000 */
  maxBufferedEvents?: number;
  /** How long finished instances are kept (sets `expiresAt`); null keeps them. @default null */
  retention?: string | number | null;
  /** Test hook: replace step attempts (used by @cairn/testkit's `mockStepResult`, `forceStepTimeout`...). */
  stepOverride?: StepOverrideHook;
  /**
   * Fire cron schedules from an in-process timer while the runtime is open. Hosts that sleep between requests
   * (Lambda, Cloud Run) also fire them on every sweeper tick, catching up on what they missed. @default true
   */
  cronTimers?: boolean;
  /** Failures no caller can see (a wake-up delivered in process that failed, a hook that threw). @default console.error */
  onError?: (error: unknown, context: { workflowName: string; instanceId: string; operation: string }) => void;
  /** Lifecycle hooks: step starts and ends, status changes, replays (see RuntimeHooks for when they run). @default none */
  hooks?: RuntimeHooks;
  /**
   * Where Cairn's own records (structured: workflow, instance, step, attempt, outcome) and workflow code's
   * `this.logger` lines go: console or a pino-shaped logger. Without one, Cairn writes only what `onError` reports,
   * and `this.logger` writes to console. @default none
   */
  logger?: CairnLogger;
  /** The least level of Cairn's own records that is written (workflow lines are the logger's to filter). @default 'warn' */
  logLevel?: LogLevel | 'silent';
  /**
   * OpenTelemetry spans and metrics (needs the optional peer `@opentelemetry/api`): to these providers, or, by
   * default, to those registered globally when the runtime is created; `false` turns them off. With neither,
   * nothing is added to any path. @default the global providers, if any
   */
  telemetry?: TelemetryOptions | false;
}

const FunctionSchema = z.custom<(...args: unknown[]) => unknown>((value) => typeof value === 'function', 'a function');

/** What every registration object may say beside its code. */
const REGISTRATION_SETTINGS = {
  name: z.string().min(1).max(64).optional(),
  params: z.any().optional(),
  schedules: z.array(z.string()).optional(),
  concurrency: z
    .object({ limit: z.number().int().min(1) })
    .strict()
    .optional(),
};

export const RuntimeOptionsSchema = z.object({
  store: z.custom<WorkflowStore>(
    (value) => typeof value === 'object' && value !== null && typeof (value as WorkflowStore).loadJournal === 'function',
    'a WorkflowStore',
  ),
  scheduler: z
    .custom<Scheduler>((value) => typeof value === 'object' && value !== null && typeof (value as Scheduler).schedule === 'function', 'a Scheduler')
    .optional(),
  workflows: z.record(
    z.string().min(1),
    z.union([
      FunctionSchema,
      z
        .object({
          workflow: FunctionSchema,
          currentVersion: FunctionSchema.optional(),
          ...REGISTRATION_SETTINGS,
        })
        .strict(),
      z
        .object({
          versions: z.record(WorkflowVersionSchema, FunctionSchema).refine((versions) => Object.keys(versions).length > 0, 'at least one version'),
          current: WorkflowVersionSchema,
          ...REGISTRATION_SETTINGS,
        })
        .strict()
        .refine((registration) => Object.hasOwn(registration.versions, registration.current), {
          message: '`current` must name one of `versions`',
          path: ['current'],
        }),
    ]),
  ),
  env: z.record(z.string(), z.unknown()).optional(),
  clock: z.object({ now: FunctionSchema, setTimer: FunctionSchema }).optional(),
  owner: z.string().min(1).optional(),
  leaseMs: z.number().int().min(100).optional(),
  maxInProcessWaitMs: z.number().min(0).optional(),
  stepLimit: z.number().int().min(1).optional(),
  maxBufferedEvents: z.number().int().min(1).optional(),
  retention: z.union([z.string(), z.number(), z.null()]).optional(),
  onError: FunctionSchema.optional(),
  stepOverride: FunctionSchema.optional(),
  cronTimers: z.boolean().optional(),
  hooks: z
    .object({
      onStepStart: FunctionSchema.optional(),
      onStepEnd: FunctionSchema.optional(),
      onInstanceStatus: FunctionSchema.optional(),
      onReplay: FunctionSchema.optional(),
    })
    .strict()
    .optional(),
  logger: z
    .custom<CairnLogger>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        ['debug', 'info', 'warn', 'error'].every((level) => typeof (value as Record<string, unknown>)[level] === 'function'),
      'a logger with debug, info, warn and error methods (console, pino)',
    )
    .optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).optional(),
  // `false` (off) is checked as no providers, so that a bad provider's error names it.
  telemetry: z
    .preprocess(
      (value) => (value === false ? {} : value),
      z
        .object({
          tracerProvider: providerOf('getTracer', 'a TracerProvider (with getTracer)').optional(),
          meterProvider: providerOf('getMeter', 'a MeterProvider (with getMeter)').optional(),
        })
        .strict(),
    )
    .optional(),
});

function providerOf(method: string, described: string) {
  return z.custom<object>(
    (value) => typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[method] === 'function',
    described,
  );
}
