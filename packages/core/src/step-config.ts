// Step configuration: Cloudflare's defaults, field-by-field merge, validation and backoff timing.

import { InvalidStepConfigError } from './errors.js';
import { parseDuration, type WorkflowDelayDuration, type WorkflowTimeoutDuration } from './duration.js';
import { backoffDelayMs } from './shared/backoff.js';

export type WorkflowBackoff = 'constant' | 'linear' | 'exponential';

/** Cairn extension: a delay computed from the attempt number (attempts made so far) and the error. */
export type RetryDelayFunction = (attempt: number, error: unknown) => WorkflowDelayDuration;

export interface WorkflowStepConfig {
  retries?: {
    limit?: number;
    delay?: WorkflowDelayDuration | RetryDelayFunction;
    backoff?: WorkflowBackoff;
  };
  timeout?: WorkflowTimeoutDuration;
  /** Hide the step's output from logs and introspection (the CLI shows it as `[sensitive]`). */
  sensitive?: 'output';
}

/** A config with every default applied and durations in milliseconds. */
export interface ResolvedStepConfig {
  retries: { limit: number; delay: number | RetryDelayFunction; backoff: WorkflowBackoff };
  timeout: number;
  sensitive?: 'output';
}

/** The config a step's callback sees (`ctx.config`), as Cloudflare gives it: the defaults merged in, durations as given. */
export interface WorkflowStepContextConfig {
  retries: { limit: number; delay: WorkflowDelayDuration | RetryDelayFunction; backoff: WorkflowBackoff };
  timeout: WorkflowTimeoutDuration;
  sensitive?: 'output';
}

/** As recorded in the journal: a delay function cannot be stored, so it is marked. */
export interface RecordedStepConfig {
  retries: { limit: number; delay: number | 'function'; backoff: WorkflowBackoff };
  timeout: number;
  sensitive?: 'output';
}

export const DEFAULT_STEP_CONFIG: ResolvedStepConfig = Object.freeze({
  retries: Object.freeze({ limit: 5, delay: 1000, backoff: 'exponential' as const }),
  timeout: 600_000,
}) as ResolvedStepConfig;

// Cloudflare's defaults as Cloudflare writes them (`timeout: '10 minutes'`), for `ctx.config`.
const DEFAULT_CONTEXT_CONFIG: WorkflowStepContextConfig = Object.freeze({
  retries: Object.freeze({ limit: 5, delay: 1000, backoff: 'exponential' as const }),
  timeout: '10 minutes',
}) as WorkflowStepContextConfig;

/** `ctx.config` of a step whose config `resolveStepConfig` accepted: the given values over the defaults, unconverted. */
export function contextConfig(config: WorkflowStepConfig | undefined): WorkflowStepContextConfig {
  if (config === undefined) return DEFAULT_CONTEXT_CONFIG;
  const retries = config.retries ?? {};
  const merged: WorkflowStepContextConfig = {
    retries: {
      limit: retries.limit ?? DEFAULT_CONTEXT_CONFIG.retries.limit,
      delay: retries.delay ?? DEFAULT_CONTEXT_CONFIG.retries.delay,
      backoff: retries.backoff ?? DEFAULT_CONTEXT_CONFIG.retries.backoff,
    },
    timeout: config.timeout ?? DEFAULT_CONTEXT_CONFIG.timeout,
  };
  if (config.sensitive) merged.sensitive = config.sensitive;
  return merged;
}

const KEYS = new Set(['retries', 'timeout', 'sensitive']);
const RETRY_KEYS = new Set(['limit', 'delay', 'backoff']);
const BACKOFFS = new Set<WorkflowBackoff>(['constant', 'linear', 'exponential']);

/** Merges over the defaults and validates; a bad config throws InvalidStepConfigError naming the step. */
export function resolveStepConfig(stepName: string, config: WorkflowStepConfig | undefined): ResolvedStepConfig {
  if (config === undefined) return DEFAULT_STEP_CONFIG;
  if (typeof config !== 'object' || config === null) {
    throw new InvalidStepConfigError(stepName, 'the config must be an object with `retries` and/or `timeout`');
  }
  for (const key of Object.keys(config)) {
    if (!KEYS.has(key)) throw new InvalidStepConfigError(stepName, `unknown key "${key}" (allowed: retries, timeout, sensitive)`);
  }
  const retries = config.retries ?? {};
  if (typeof retries !== 'object' || retries === null) {
    throw new InvalidStepConfigError(stepName, '`retries` must be an object { limit, delay, backoff }');
  }
  for (const key of Object.keys(retries)) {
    if (!RETRY_KEYS.has(key)) throw new InvalidStepConfigError(stepName, `unknown key "retries.${key}" (allowed: limit, delay, backoff)`);
  }
  const limit = retries.limit ?? DEFAULT_STEP_CONFIG.retries.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
    throw new InvalidStepConfigError(stepName, '`retries.limit` must be an integer >= 0');
  }
  const backoff = retries.backoff ?? 'exponential';
  if (!BACKOFFS.has(backoff)) {
    throw new InvalidStepConfigError(stepName, '`retries.backoff` must be "constant", "linear" or "exponential"');
  }
  let delay: number | RetryDelayFunction = DEFAULT_STEP_CONFIG.retries.delay as number;
  if (typeof retries.delay === 'function') delay = retries.delay;
  else if (retries.delay !== undefined) delay = durationOrFail(stepName, 'retries.delay', retries.delay, true);
  const timeout = config.timeout === undefined ? DEFAULT_STEP_CONFIG.timeout : durationOrFail(stepName, 'timeout', config.timeout, false);
  if (config.sensitive !== undefined && config.sensitive !== 'output') {
    throw new InvalidStepConfigError(stepName, '`sensitive` may only be "output"');
  }
  const resolved: ResolvedStepConfig = { retries: { limit, delay, backoff }, timeout };
  if (config.sensitive) resolved.sensitive = config.sensitive;
  return resolved;
}

function durationOrFail(stepName: string, field: string, value: unknown, zeroAllowed: boolean): number {
  let ms: number;
  try {
    ms = parseDuration(value, field);
  } catch {
    throw new InvalidStepConfigError(stepName, `\`${field}\` must be milliseconds or '<n> <unit>', received ${JSON.stringify(value)}`);
  }
  if (!zeroAllowed && ms <= 0) throw new InvalidStepConfigError(stepName, `\`${field}\` must be greater than 0`);
  return ms;
}

export function recordableConfig(config: ResolvedStepConfig): RecordedStepConfig {
  const { retries } = config;
  const recorded: RecordedStepConfig = {
    retries: { limit: retries.limit, delay: typeof retries.delay === 'function' ? 'function' : retries.delay, backoff: retries.backoff },
    timeout: config.timeout,
  };
  if (config.sensitive) recorded.sensitive = config.sensitive;
  return recorded;
}

/** The config of the first attempt wins on replay; a recorded 'function' delay takes the live function. */
export function configFromRecord(recorded: RecordedStepConfig, live: ResolvedStepConfig): ResolvedStepConfig {
  const delay =
    recorded.retries.delay === 'function' ? (typeof live.retries.delay === 'function' ? live.retries.delay : live.retries.delay) : recorded.retries.delay;
  const resolved: ResolvedStepConfig = { retries: { ...recorded.retries, delay }, timeout: recorded.timeout };
  if (recorded.sensitive) resolved.sensitive = recorded.sensitive;
  return resolved;
}

/** Milliseconds to wait before the next attempt, after `attemptsMade` attempts failed. */
export function retryDelayMs(config: ResolvedStepConfig, attemptsMade: number, error: unknown): number {
  const { delay, backoff } = config.retries;
  if (typeof delay === 'function') return parseDuration(delay(attemptsMade, error), 'retries.delay()');
  return backoffDelayMs({ baseMs: delay, kind: backoff }, attemptsMade);
}
