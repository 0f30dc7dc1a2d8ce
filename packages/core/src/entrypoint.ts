// The authoring API, as Cloudflare's `cloudflare:workers` declares it, so a workflow class moves over
// with only its import line changed.

import type { WorkflowSleepDuration, WorkflowTimeoutDuration } from './duration.js';
import type { WorkflowStepConfig, WorkflowStepContextConfig } from './step-config.js';
import type { WorkflowCronSchedule } from './cron-triggers.js';
import type { WorkflowLogger } from './logging/workflow-logger.js';

/** For a context built by hand (a unit test of a class): plain console lines. */
const consoleWorkflowLogger: WorkflowLogger = {
  debug: (message, fields) => console.debug(message, fields ?? ''),
  info: (message, fields) => console.info(message, fields ?? ''),
  warn: (message, fields) => console.warn(message, fields ?? ''),
  error: (message, fields) => console.error(message, fields ?? ''),
};

export type { WorkflowCronSchedule } from './cron-triggers.js';

export type { WorkflowStepConfig } from './step-config.js';
export type { WorkflowSleepDuration, WorkflowTimeoutDuration, WorkflowDelayDuration, WorkflowDurationLabel } from './duration.js';
export type { WorkflowBackoff } from './step-config.js';

export interface WorkflowEvent<T> {
  payload: Readonly<T>;
  timestamp: Date;
  instanceId: string;
  /** The binding name the workflow is registered under. */
  workflowName: string;
  /** Set when a cron schedule created the instance (see `schedules` in createRuntime's `workflows`). */
  schedule?: WorkflowCronSchedule;
}

/** What a step callback receives: a plain object (a step may return it); `signal` is not enumerable, so it does not serialize. */
export interface WorkflowStepContext {
  step: { name: string; count: number };
  /** 1 on the first try. */
  attempt: number;
  /** The step's config with the defaults merged in, durations as given (`'10 minutes'`, not 600000). */
  config: WorkflowStepContextConfig;
  /** Cairn: aborted when the attempt times out, or the instance is paused or terminated. Not enumerable. */
  readonly signal: AbortSignal;
}

export interface WorkflowStepEvent<T> {
  payload: Readonly<T>;
  timestamp: Date;
  type: string;
}

export interface WaitForEventOptions {
  type: string;
  /** @default '24 hours' */
  timeout?: WorkflowTimeoutDuration;
}

/** What a rollback handler receives (see `WorkflowStepRollbackOptions`). */
export interface WorkflowRollbackContext<T> {
  /** The context of the step being rolled back: its name and count, its last attempt, its config. `signal` is the rollback attempt's. */
  ctx: WorkflowStepContext;
  /** The step's recorded output; `undefined` when the step never completed (it failed, or is being retried). */
  output: T | undefined;
  /** The error that failed the instance. */
  error: Error;
}

/**
 * Saga rollback, as Cloudflare's: when the instance is about to fail (an error escapes `run()`), the rollback of
 * every step that was attempted runs, in reverse step-start order, each as a durable step with `rollbackConfig`
 * (defaults as for steps). A caught error triggers nothing.
 */
export interface WorkflowStepRollbackOptions<T> {
  rollback?: (context: WorkflowRollbackContext<T>) => Promise<unknown> | unknown;
  rollbackConfig?: WorkflowStepConfig;
}

export interface WorkflowStep {
  do<T>(name: string, callback: (ctx: WorkflowStepContext) => Promise<T> | T, options?: WorkflowStepRollbackOptions<T>): Promise<T>;
  do<T>(name: string, config: WorkflowStepConfig, callback: (ctx: WorkflowStepContext) => Promise<T> | T, options?: WorkflowStepRollbackOptions<T>): Promise<T>;
  sleep(name: string, duration: WorkflowSleepDuration): Promise<void>;
  sleepUntil(name: string, timestamp: Date | number): Promise<void>;
  waitForEvent<T = unknown>(name: string, options: WaitForEventOptions): Promise<WorkflowStepEvent<T>>;
}

/** What Cloudflare passes as `ctx`; Cairn passes the runtime's context for the instance. */
export interface WorkflowExecutionContext {
  readonly instanceId: string;
  readonly workflowName: string;
  /** Aborted when the replay ends (suspension, pause, terminate, lease loss). */
  readonly signal: AbortSignal;
  waitUntil(promise: Promise<unknown>): void;
}

export abstract class WorkflowEntrypoint<Env = unknown, Params = unknown> {
  protected ctx: WorkflowExecutionContext;
  protected env: Env;

  constructor(ctx: WorkflowExecutionContext, env: Env) {
    this.ctx = ctx;
    this.env = env;
  }

  /**
   * A replay-aware logger (Cairn only: Cloudflare's WorkflowEntrypoint has none, so code that uses it runs on
   * Cairn alone). A line logged outside steps is written once per instance, not once per replay; fields name the
   * workflow and instance. It writes to the runtime's `logger` (console without one).
   */
  protected get logger(): WorkflowLogger {
    return (this.ctx as { logger?: WorkflowLogger }).logger ?? consoleWorkflowLogger;
  }

  abstract run(event: Readonly<WorkflowEvent<Params>>, step: WorkflowStep): Promise<unknown>;
}

export type WorkflowClass<Env = any, Params = any> = new (ctx: WorkflowExecutionContext, env: Env) => WorkflowEntrypoint<Env, Params>;
