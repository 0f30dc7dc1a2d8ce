// step.do: return the recorded outcome, or run the callback under its retry policy and record it.

import { RECORD_VERSION, type StepRecord } from '../records.js';
import { CairnError, PayloadTooLargeError, WorkflowTimeoutError } from '../errors.js';
import { hydrateError, serializeError } from '../error-codec.js';
import { deserialize } from '../serialize.js';
import { assertStepName, serializeWithinLimit } from '../limits.js';
import {
  configFromRecord,
  recordableConfig,
  resolveStepConfig,
  retryDelayMs,
  type ResolvedStepConfig,
  type WorkflowStepConfig,
} from '../step-config.js';
import type { WorkflowStepContext } from '../entrypoint.js';
import type { ReplaySession } from './session.js';

export type StepCallback<T> = (ctx: WorkflowStepContext) => Promise<T> | T;

const CRASH_MESSAGE = 'Attempt failed due to internal workflows error';

export async function runDo<T>(
  session: ReplaySession,
  name: string,
  configOrCallback: WorkflowStepConfig | StepCallback<T>,
  maybeCallback?: StepCallback<T>,
): Promise<T> {
  const callback = (typeof configOrCallback === 'function' ? configOrCallback : maybeCallback) as StepCallback<T>;
  const config = typeof configOrCallback === 'function' ? undefined : configOrCallback;
  assertStepName(name);
  if (typeof callback !== 'function') throw new TypeError(`step.do("${name}") needs a callback function`);
  const { key, count, index } = session.nextKey('do', name);

  const outcome = session.outcomes.get(key);
  if (outcome) return replayOutcome<T>(outcome);

  let live: ResolvedStepConfig;
  try {
    live = resolveStepConfig(name, config);
  } catch (error) {
    session.fatal(error);
  }
  const attempts = session.attempts.get(key) ?? [];
  const first = attempts[0]?.config;
  const resolved = first ? configFromRecord(first, live) : live;
  const startedAt = attempts[0]?.startedAt ?? session.now;

  for (;;) {
    const previous = attempts[attempts.length - 1];
    if (previous?.wakeAt !== undefined) await session.waitUntil(previous.wakeAt, 'retry');
    for (let blocked = session.canStartWork(); blocked; blocked = session.canStartWork()) {
      await session.block({ wakeAt: null, reason: blocked, recheck: blocked === 'pause' ? () => !session.pausing : undefined });
    }

    const attempt = (previous?.attempt ?? 0) + 1;
    let error: unknown;
    if (session.recovering) {
      // The runner before us died while this step was in flight: that attempt failed.
      session.recovering = false;
      error = new Error(CRASH_MESSAGE);
    } else {
      const running = beginAttempt(session, name, count, attempt, resolved, callback);
      let value: unknown;
      let serialized: string | undefined;
      try {
        value = await running.outcome;
        serialized = serializeOutput(session, name, value);
      } catch (failure) {
        error = failure;
      } finally {
        running.end();
      }
      if (serialized !== undefined) {
        const stored = await session.record(outcomeRecord(key, name, index, session, attempt, startedAt, resolved, serialized));
        return stored.value === serialized ? (value as T) : replayOutcome<T>(stored);
      }
    }

    const retryable = !isNonRetryable(error) && attempt <= resolved.retries.limit;
    if (!retryable) {
      const stored = await session.record({
        ...baseRecord(key, name, index, session, attempt, startedAt),
        id: key,
        state: 'failed',
        error: serializeError(error),
        config: recordableConfig(resolved),
      });
      return replayOutcome<T>(stored);
    }
    const now = session.now;
    const stored = await session.record({
      ...baseRecord(key, name, index, session, attempt, now),
      id: `${key}#${attempt}`,
      state: 'attempt-failed',
      error: serializeError(error),
      wakeAt: now + retryDelayMs(resolved, attempt, error),
      ...(attempt === 1 ? { config: recordableConfig(resolved) } : {}),
    });
    if (stored.state === 'completed' || stored.state === 'failed') return replayOutcome<T>(stored);
    attempts.push(stored);
  }
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
 * Starts one attempt: the callback (or the test override) raced against the step's timeout. `end` must be
 * called once the outcome settled. Not async: the step hot path pays for no extra promise.
 */
function beginAttempt(
  session: ReplaySession,
  name: string,
  count: number,
  attempt: number,
  config: ResolvedStepConfig,
  callback: StepCallback<unknown>,
): { outcome: Promise<unknown>; end: () => void } {
  const ctx = new AttemptContext(session, name, count, attempt, config);
  const override = session.settings.stepOverride?.({ ...session.ref, name, count, attempt });
  let cancelTimer: (() => void) | undefined;
  // One promise settles with the callback or the timeout, whichever comes first.
  const outcome = new Promise<unknown>((resolve, reject) => {
    cancelTimer = session.watchDeadline(session.now + config.timeout, () => reject(ctx.timeOut()));
    if (override && 'timeout' in override) return;
    try {
      const result = !override ? callback(ctx) : 'value' in override ? override.value : Promise.reject(override.error);
      if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') (result as PromiseLike<unknown>).then(resolve, reject);
      else resolve(result);
    } catch (error) {
      reject(error);
    }
  });
  session.enter();
  return {
    outcome,
    end: () => {
      session.leave();
      cancelTimer?.();
      ctx.detach();
    },
  };
}

/**
 * What a step callback receives. A class with a getter on its prototype: an object literal with a getter
 * costs far more to create, and this is made for every attempt. The AbortSignal is made only if read.
 */
class AttemptContext implements WorkflowStepContext {
  readonly step: { name: string; count: number };
  private controller: AbortController | undefined;
  private timedOut: WorkflowTimeoutError | undefined;
  private onSessionEnd: (() => void) | undefined;

  constructor(
    private readonly session: ReplaySession,
    name: string,
    count: number,
    readonly attempt: number,
    readonly config: ResolvedStepConfig,
  ) {
    this.step = { name, count };
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

  /** The attempt ran past its timeout: abort it and say so. */
  timeOut(): WorkflowTimeoutError {
    this.timedOut = new WorkflowTimeoutError(`Execution timed out after ${this.config.timeout}ms`);
    this.controller?.abort(this.timedOut);
    return this.timedOut;
  }

  detach(): void {
    if (this.onSessionEnd) this.session.signal.removeEventListener('abort', this.onSessionEnd);
  }
}

function isNonRetryable(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'NonRetryableError' || error instanceof PayloadTooLargeError;
}

function baseRecord(key: string, name: string, index: number, session: ReplaySession, attempt: number, startedAt: number) {
  return {
    v: RECORD_VERSION,
    key,
    index,
    generation: session.instance.generation,
    kind: 'do' as const,
    name,
    attempt,
    startedAt,
    recordedAt: session.now,
  };
}

function outcomeRecord(
  key: string,
  name: string,
  index: number,
  session: ReplaySession,
  attempt: number,
  startedAt: number,
  config: ResolvedStepConfig,
  value: string,
): StepRecord {
  const record: StepRecord = {
    v: RECORD_VERSION,
    id: key,
    key,
    index,
    generation: session.instance.generation,
    kind: 'do',
    name,
    state: 'completed',
    attempt,
    value,
    startedAt,
    recordedAt: session.now,
  };
  if (attempt > 1 || config.sensitive) record.config = recordableConfig(config);
  return record;
}

function replayOutcome<T>(record: StepRecord): T {
  if (record.state === 'completed') return deserialize<T>(record.value ?? '-1');
  throw hydrateError(record.error ?? { name: 'Error', message: 'Step failed' });
}
