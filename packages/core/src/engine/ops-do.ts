// step.do: return the recorded outcome, or run the callback under its retry policy and record it.

import { RECORD_VERSION, type StepRecord } from '../records.js';
import { CairnError, PayloadTooLargeError, WorkflowTimeoutError } from '../errors.js';
import { serializeError } from '../error-codec.js';
import { serialize } from '../serialize.js';
import { assertStepName, serializeWithinLimit } from '../limits.js';
import {
  configFromRecord,
  recordableConfig,
  resolveStepConfig,
  retryDelayMs,
  type ResolvedStepConfig,
  type WorkflowStepConfig,
} from '../step-config.js';
import type { WorkflowStepContext, WorkflowStepRollbackOptions } from '../entrypoint.js';
import type { DeadlineWatch, ReplaySession } from './session.js';
import { NEVER } from './never.js';
import { registerRollback, type RollbackEntry } from './rollback-entry.js';
import { replayOutcome } from './outcome.js';
import { collectStream, CollectedStream, isReadableStream } from './step-stream.js';

export type StepCallback<T> = (ctx: WorkflowStepContext) => Promise<T> | T;

const CRASH_MESSAGE = 'Attempt failed due to internal workflows error';


/**
 * Not async: a replayed step (the common case on resume) returns its recorded outcome without the cost of
 * an async frame. Every failure still arrives as a rejection, as from an async function.
 */
export function runDo<T>(
  session: ReplaySession,
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
    const { key, count, index } = session.nextKey('do', name);
    const rollback = options === undefined ? undefined : registerRollback(session, { name, count, index }, config, options);
    const outcome = session.outcomes.get(key);
    if (outcome) {
      rollback?.replayed(outcome);
      return Promise.resolve(replayOutcome<T>(outcome, session));
    }
    return runStep(session, { kind: 'do', key, name, count, index, config, callback, rollback });
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
export async function runStep<T>(session: ReplaySession, plan: StepPlan<T>): Promise<T> {
  const { key, name, rollback } = plan;
  let live: ResolvedStepConfig;
  try {
    live = resolveStepConfig(name, plan.config);
  } catch (error) {
    session.fatal(error);
  }
  // Failed attempts recorded before this replay; most steps have none, so the list is made on the first.
  let attempts = session.attempts.get(key);
  const first = attempts?.[0];
  const resolved = first?.config ? configFromRecord(first.config, live) : live;
  const startedAt = first?.startedAt ?? session.now;
  if (rollback) rollback.config = resolved;
  if (rollback && attempts) rollback.attemptsMade(attempts[attempts.length - 1]!.attempt);

  for (;;) {
    const previous = attempts?.[attempts.length - 1];
    if (previous?.wakeAt !== undefined) await session.waitUntil(previous.wakeAt, 'retry');
    for (let blocked = session.canStartWork(); blocked; blocked = session.canStartWork()) {
      await session.block({ wakeAt: null, reason: blocked, recheck: blocked === 'pause' ? () => !session.pausing : undefined });
    }
    // The instance is failing: no forward step starts another attempt (its rollbacks run instead).
    if (session.rollingBack && plan.kind === 'do') return NEVER;

    const attempt = (previous?.attempt ?? 0) + 1;
    rollback?.attemptStarted(attempt);
    let error: unknown;
    if (session.recovering) {
      // The runner before us died while this step was in flight: that attempt failed.
      session.recovering = false;
      error = new Error(CRASH_MESSAGE);
    } else {
      const running = new StepAttempt(session, plan.kind, name, plan.count, attempt, resolved);
      let value: unknown;
      let serialized: string | undefined;
      try {
        value = await running.start(plan.callback);
        if (!(value instanceof CollectedStream)) serialized = serializeOutput(session, name, value);
      } catch (failure) {
        error = failure;
      } finally {
        running.end();
      }
      if (value instanceof CollectedStream && error === undefined) {
        const stored = await recordStream(plan, session, attempt, startedAt, resolved, value);
        rollback?.attemptSettled(stored);
        return replayOutcome<T>(stored, session);
      }
      if (serialized !== undefined) {
        const record = outcomeRecord(plan, session, attempt, startedAt, resolved, serialized);
        const stored = await session.record(record);
        rollback?.attemptSettled(stored);
        return stored === record ? (value as T) : replayOutcome<T>(stored, session);
      }
    }

    const retryable = !isNonRetryable(error) && attempt <= resolved.retries.limit;
    if (!retryable) {
      const stored = await session.record({
        ...baseRecord(plan, session, attempt, startedAt),
        id: key,
        state: 'failed',
        error: serializeError(error),
        config: recordableConfig(resolved),
      });
      rollback?.attemptSettled(stored);
      return replayOutcome<T>(stored, session);
    }
    const now = session.now;
    const stored = await session.record({
      ...baseRecord(plan, session, attempt, now),
      id: `${key}#${attempt}`,
      state: 'attempt-failed',
      error: serializeError(error),
      wakeAt: now + retryDelayMs(resolved, attempt, error),
      ...(attempt === 1 ? { config: recordableConfig(resolved) } : {}),
    });
    rollback?.attemptSettled(stored);
    if (stored.state === 'completed' || stored.state === 'failed') return replayOutcome<T>(stored, session);
    (attempts ??= []).push(stored);
  }
}

/**
 * A streamed result: its pieces first, then the outcome naming them (by an id prefix unique to this writer
 * and attempt, so pieces left by an attempt that died before its outcome are never mixed in).
 */
async function recordStream(
  plan: StepPlan<unknown>,
  session: ReplaySession,
  attempt: number,
  startedAt: number,
  config: ResolvedStepConfig,
  collected: CollectedStream,
): Promise<StepRecord> {
  const prefix = `${plan.key}#${attempt}@${session.token}`;
  const pieces = collected.pieces();
  for (let i = 0; i < pieces.length; i++) {
    await session.record({
      ...baseRecord(plan, session, attempt, startedAt),
      id: `${prefix}.${i}`,
      state: 'chunk',
      chunk: i,
      value: serialize(pieces[i]),
    });
  }
  const outcome = outcomeRecord(plan, session, attempt, startedAt, config, serialize(prefix));
  outcome.chunks = pieces.length;
  return session.record(outcome);
}

/** A step's output as stored; a function in it is fatal for the instance (as on Cloudflare). */
function serializeOutput(session: ReplaySession, name: string, value: unknown): string {
  try {
    return serializeWithinLimit(value, () => `Step "${name}" output`);
  } catch (error) {
    if (CairnError.is(error, 'not_serializable') && (error as Error).message.includes('a function')) session.fatal(error);
    throw error;
  }
}

/**
 * One attempt of a step: the callback (or the test override) raced against the step's timeout, and the
 * context that callback receives. One object plays every part (context, timeout watch, settle hook), since
 * one is made for every attempt; the AbortSignal and the `step` object are made only when read.
 */
class StepAttempt implements WorkflowStepContext, DeadlineWatch {
  readonly deadline: number;
  deadlineSlot = -1;
  private stepInfo: { name: string; count: number } | undefined;
  private controller: AbortController | undefined;
  private timedOut: WorkflowTimeoutError | undefined;
  private onSessionEnd: (() => void) | undefined;
  private reject: ((error: unknown) => void) | undefined;

  constructor(
    private readonly session: ReplaySession,
    private readonly kind: StepPlan<unknown>['kind'],
    private readonly name: string,
    private readonly count: number,
    readonly attempt: number,
    readonly config: ResolvedStepConfig,
  ) {
    this.deadline = session.now + config.timeout;
  }

  get step(): { name: string; count: number } {
    return (this.stepInfo ??= { name: this.name, count: this.count });
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.timedOut) this.controller.abort(this.timedOut);
      else if (this.session.signal.aborted) this.controller.abort(this.session.signal.reason);
      else {
        this.onSessionEnd = () => this.controller?.abort(this.session.signal.reason);
        this.session.signal.addEventListener('abort', this.onSessionEnd, { once: true });
      }
    }
    return this.controller.signal;
  }

  /** Runs the callback; the promise settles with its outcome or the timeout, whichever comes first. `end` must follow. */
  start(callback: StepCallback<unknown>): Promise<unknown> {
    const { session } = this;
    // Test overrides (mockStepResult, ...) name forward steps; a rollback always runs its handler.
    const override =
      this.kind === 'do' ? session.settings.stepOverride?.({ ...session.ref, name: this.name, count: this.count, attempt: this.attempt }) : undefined;
    const outcome = new Promise<unknown>((resolve, reject) => {
      this.reject = reject;
      if (override && 'timeout' in override) return;
      // A stream is read to its end within the attempt (its timeout covers the reading).
      const settle = (value: unknown) => (isReadableStream(value) ? collectStream(value, this.name).then(resolve, reject) : resolve(value));
      try {
        const result = !override ? callback(this) : 'value' in override ? override.value : Promise.reject(override.error);
        if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') (result as PromiseLike<unknown>).then(settle, reject);
        else settle(result);
      } catch (error) {
        reject(error);
      }
    });
    session.watchDeadline(this);
    session.enter();
    return outcome;
  }

  /** Called by the session at `deadline`: the attempt ran past its timeout; abort it and fail it. */
  onTimeout(): void {
    this.timedOut = new WorkflowTimeoutError(`Execution timed out after ${this.config.timeout}ms`);
    this.controller?.abort(this.timedOut);
    this.reject?.(this.timedOut);
  }

  end(): void {
    this.session.leave();
    this.session.unwatchDeadline(this);
    if (this.onSessionEnd) this.session.signal.removeEventListener('abort', this.onSessionEnd);
  }
}

function isNonRetryable(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'NonRetryableError' || error instanceof PayloadTooLargeError;
}

function baseRecord(plan: StepPlan<unknown>, session: ReplaySession, attempt: number, startedAt: number) {
  return {
    v: RECORD_VERSION,
    key: plan.key,
    index: plan.index,
    generation: session.instance.generation,
    kind: plan.kind,
    name: plan.name,
    attempt,
    startedAt,
    recordedAt: session.now,
  };
}

function outcomeRecord(
  plan: StepPlan<unknown>,
  session: ReplaySession,
  attempt: number,
  startedAt: number,
  config: ResolvedStepConfig,
  value: string,
): StepRecord {
  const record: StepRecord = {
    v: RECORD_VERSION,
    id: plan.key,
    key: plan.key,
    index: plan.index,
    generation: session.instance.generation,
    kind: plan.kind,
    name: plan.name,
    state: 'completed',
    attempt,
    value,
    startedAt,
    recordedAt: session.now,
  };
  if (attempt > 1 || config.sensitive) record.config = recordableConfig(config);
  return record;
}
