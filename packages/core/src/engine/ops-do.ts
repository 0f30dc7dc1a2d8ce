// step.do: return the recorded outcome, or run the callback under its retry policy and record it.

import type { StepRecord } from '../records.js';
import { CairnError } from '../errors.js';
import { serializeError } from '../error-codec.js';
import { serialize } from '../serialize.js';
import { assertStepName, serializeWithinLimit } from '../limits.js';
import {
  configFromRecord,
  contextConfig,
  recordableConfig,
  resolveStepConfig,
  retryDelayMs,
  type ResolvedStepConfig,
  type WorkflowStepConfig,
} from '../step-config.js';
import type { WorkflowStepRollbackOptions } from '../entrypoint.js';
import { attemptFailedRecord, chunkRecord, completedRecord, failedRecord } from '../journal/builders.js';
import { streamPrefix } from '../journal/keys.js';
import { NEVER } from './never.js';
import { registerRollback } from './rollback-register.js';
import type { RollbackEntry } from './rollback-entry.js';
import { replayOutcome } from './outcome.js';
import type { StepScope } from './scope.js';
import { StepAttempt, type StepCallback } from './step-attempt.js';
import { CollectedStream } from './step-stream.js';

export type { StepCallback } from './step-attempt.js';

const CRASH_MESSAGE = 'Attempt failed due to internal workflows error';

/**
 * Not async: a replayed step (the common case on resume) returns its recorded outcome without the cost of
 * an async frame. Every failure still arrives as a rejection, as from an async function.
 */
export function runDo<T>(
  scope: StepScope,
  name: string,
  configOrCallback: WorkflowStepConfig | StepCallback<T>,
  callbackOrOptions?: StepCallback<T> | WorkflowStepRollbackOptions<T>,
  maybeOptions?: WorkflowStepRollbackOptions<T>,
): Promise<T> {
  try {
    const short = typeof configOrCallback === 'function';
    const callback = (short ? configOrCallback : callbackOrOptions) as StepCallback<T>;
    const config = short ? undefined : configOrCallback;
    const options = short ? (callbackOrOptions as WorkflowStepRollbackOptions<T> | undefined) : maybeOptions;
    assertStepName(name);
    if (typeof callback !== 'function') throw new TypeError(`step.do("${name}") needs a callback function`);
    const call = scope.nextKey('do', name);
    const rollback = options === undefined ? undefined : registerRollback(scope, { ...call, name }, config, options);
    const outcome = scope.journal.outcomes.get(call.key);
    if (outcome) {
      rollback?.replayed(outcome);
      return Promise.resolve(replayOutcome<T>(outcome, scope.journal));
    }
    return runStep(scope, { kind: 'do', key: call.key, name, count: call.count, index: call.index, config, callback, rollback });
  } catch (error) {
    return Promise.reject(error);
  }
}

/** One step to run: a `step.do`, or a rollback handler run as a step of its own. */
export interface StepPlan<T> {
  kind: 'do' | 'rollback';
  key: string;
  name: string;
  count: number;
  index: number;
  config: WorkflowStepConfig | undefined;
  callback: StepCallback<T>;
  /** Told of the step's attempts, so that the step can be rolled back. */
  rollback?: RollbackEntry;
}

/** A step with no recorded outcome: attempts under its retry policy until one is recorded. */
export async function runStep<T>(scope: StepScope, plan: StepPlan<T>): Promise<T> {
  scope.callStarted();
  try {
    return await attemptUntilRecorded(scope, plan);
  } finally {
    scope.callEnded();
  }
}

async function attemptUntilRecorded<T>(scope: StepScope, plan: StepPlan<T>): Promise<T> {
  const { rollback } = plan;
  // An invalid config throws into run(), which may catch it and go on, as on Cloudflare.
  const live = resolveStepConfig(plan.name, plan.config);
  const given = contextConfig(plan.config);
  // Failed attempts recorded before this replay; most steps have none, so the list is made on the first.
  let attempts = scope.journal.attempts.get(plan.key);
  const first = attempts?.[0];
  const config = first?.config ? configFromRecord(first.config, live) : live;
  const startedAt = first?.startedAt ?? scope.now;
  if (rollback && attempts) rollback.attemptsMade(attempts[attempts.length - 1]!.attempt);

  for (;;) {
    const previous = attempts?.[attempts.length - 1];
    if (previous?.wakeAt !== undefined) await scope.waitUntil(previous.wakeAt, 'retry');
    for (let blocked = scope.canStartWork(); blocked; blocked = scope.canStartWork()) {
      await scope.block({ wakeAt: null, reason: blocked, recheck: blocked === 'pause' ? () => !scope.pausing : undefined });
    }
    // The instance is failing: no forward step starts another attempt (its rollbacks run instead).
    if (scope.rollingBack && plan.kind === 'do') return NEVER;

    const attempt = (previous?.attempt ?? 0) + 1;
    const attemptStartedAt = attempt === 1 ? startedAt : scope.now;
    rollback?.attemptStarted(attempt);
    // The runner before us died while this step was in flight: that attempt failed.
    let error: unknown = scope.takeRecovery() ? new Error(CRASH_MESSAGE) : undefined;
    if (error === undefined) {
      // Inline, not a helper: one async frame per attempt is the step's whole cost on the hot path.
      const running = new StepAttempt(scope, plan.kind === 'do', plan.name, plan.count, attempt, config, given);
      let value: unknown;
      let serialized: string | undefined;
      try {
        value = await running.start(plan.callback);
        if (!(value instanceof CollectedStream)) serialized = serializeOutput(scope, plan.name, value);
      } catch (failure) {
        error = failure;
      } finally {
        running.end();
      }
      if (error === undefined && value instanceof CollectedStream) return recordStream<T>(scope, plan, { attempt, startedAt, attemptStartedAt }, config, value);
      if (error === undefined) {
        const fields = { attempt, startedAt, attemptStartedAt, recordedAt: scope.now, value: serialized!, config: keptConfig(config, attempt) };
        const record = completedRecord(plan, scope.generation, fields);
        const stored = await scope.record(record);
        rollback?.attemptSettled(stored);
        // Ours was recorded: hand back the live value; another runner's outcome won: replay that one.
        return stored === record ? (value as T) : replayOutcome<T>(stored, scope.journal);
      }
    }
    const stored = await recordFailure(scope, plan, { attempt, startedAt, attemptStartedAt }, config, error);
    rollback?.attemptSettled(stored);
    if (stored.state === 'completed' || stored.state === 'failed') return replayOutcome<T>(stored, scope.journal);
    (attempts ??= []).push(stored);
  }
}

interface AttemptTimes {
  attempt: number;
  /** The step's first attempt's start. */
  startedAt: number;
  /** This attempt's start. */
  attemptStartedAt: number;
}

/** A failed attempt: the outcome when it is not to be retried, else the failed attempt with its retry time. */
function recordFailure(scope: StepScope, plan: StepPlan<unknown>, times: AttemptTimes, config: ResolvedStepConfig, error: unknown): Promise<StepRecord> {
  const { attempt } = times;
  const now = scope.now;
  if (isNonRetryable(error) || attempt > config.retries.limit) {
    return scope.record(failedRecord(plan, scope.generation, { ...times, recordedAt: now, error: serializeError(error), config: recordableConfig(config) }));
  }
  return scope.record(
    attemptFailedRecord(plan, scope.generation, {
      attempt,
      startedAt: times.attemptStartedAt,
      recordedAt: now,
      error: serializeError(error),
      retryAt: now + retryDelayMs(config, attempt, error),
      ...(attempt === 1 ? { config: recordableConfig(config) } : {}),
    }),
  );
}

/** The config is kept with an outcome only when it is needed to read it back (retries happened, or it is sensitive). */
function keptConfig(config: ResolvedStepConfig, attempt: number) {
  return attempt > 1 || config.sensitive ? recordableConfig(config) : undefined;
}

/**
 * A streamed result: its pieces first, then the outcome naming them (by an id prefix unique to this writer
 * and attempt, so pieces left by an attempt that died before its outcome are never mixed in).
 */
async function recordStream<T>(scope: StepScope, plan: StepPlan<T>, times: AttemptTimes, config: ResolvedStepConfig, collected: CollectedStream): Promise<T> {
  const { attempt, startedAt } = times;
  const prefix = streamPrefix(plan.key, attempt, scope.token);
  const pieces = collected.pieces();
  for (let piece = 0; piece < pieces.length; piece++) {
    await scope.record(chunkRecord(plan, scope.generation, { prefix, piece, attempt, startedAt, recordedAt: scope.now, value: serialize(pieces[piece]) }));
  }
  const outcome = completedRecord(plan, scope.generation, { ...times, recordedAt: scope.now, value: serialize(prefix), config: keptConfig(config, attempt) });
  outcome.chunks = pieces.length;
  const stored = await scope.record(outcome);
  plan.rollback?.attemptSettled(stored);
  return replayOutcome<T>(stored, scope.journal);
}

/** A step's output as stored; a function in it is fatal for the instance (as on Cloudflare). */
function serializeOutput(scope: StepScope, name: string, value: unknown): string {
  try {
    return serializeWithinLimit(value, () => `Step "${name}" output`);
  } catch (error) {
    if (CairnError.is(error, 'not_serializable') && (error as Error).message.includes('a function')) scope.fatal(error);
    throw error;
  }
}

/** Only a NonRetryableError skips the retries; an output over the size limit is retried like any error, as on Cloudflare. */
function isNonRetryable(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'NonRetryableError';
}
