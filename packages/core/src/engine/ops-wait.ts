// step.waitForEvent: take the first buffered event of the type (FIFO), or wait for one until the timeout.

import { parseDuration } from '../duration.js';
import { ValidationError, WorkflowTimeoutError } from '../errors.js';
import { hydrateError, serializeError } from '../error-codec.js';
import { assertEventType, assertStepName } from '../limits.js';
import { RECORD_VERSION, type EventRecord, type StepRecord } from '../records.js';
import { deserialize } from '../serialize.js';
import type { WaitForEventOptions, WorkflowStepEvent } from '../entrypoint.js';
import type { ReplaySession } from './session.js';
import { NEVER } from './never.js';

const DEFAULT_TIMEOUT = '24 hours';

export async function runWait<T>(
  session: ReplaySession,
  name: string,
  options: WaitForEventOptions,
): Promise<WorkflowStepEvent<T>> {
  assertStepName(name);
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError(`options of step.waitForEvent("${name}")`, '{ type, timeout? }', options);
  }
  assertEventType(options.type);
  const timeoutMs = parseDuration(options.timeout ?? DEFAULT_TIMEOUT, `timeout of step.waitForEvent("${name}")`);
  const { key, index } = session.nextKey('wait', name);
  const base = { v: RECORD_VERSION, key, index, generation: session.instance.generation, kind: 'wait' as const, name };

  const outcome = session.outcomes.get(key);
  if (outcome) return replayWait<T>(session, outcome);

  let start = session.starts.get(key);
  for (;;) {
    // Failing or terminating: nothing new starts in `run()` (its rollbacks run instead).
    if (session.rollingBack) return NEVER;
    const event = session.takeEvent(options.type);
    if (event) {
      const now = session.now;
      const stored = await session.record({
        ...base,
        id: key,
        state: 'completed',
        attempt: 1,
        startedAt: start?.startedAt ?? now,
        recordedAt: now,
        eventId: event.id,
        eventType: event.type,
      });
      return replayWait<T>(session, stored);
    }
    const now = session.now;
    if (!start) {
      start = await session.record({
        ...base,
        id: `${key}#start`,
        state: 'started',
        attempt: 0,
        startedAt: now,
        recordedAt: now,
        wakeAt: now + timeoutMs,
        eventType: options.type,
      });
    }
    const deadline = start.wakeAt ?? now;
    if (now >= deadline) {
      const stored = await session.record({
        ...base,
        id: key,
        state: 'failed',
        attempt: 1,
        startedAt: start.startedAt,
        recordedAt: now,
        eventType: options.type,
        error: serializeError(new WorkflowTimeoutError(`Waiting for event "${options.type}" in step "${name}" timed out`)),
      });
      return replayWait<T>(session, stored);
    }
    await session.block({ wakeAt: deadline, reason: 'event', recheck: () => hasEvent(session, options.type) });
  }
}

function hasEvent(session: ReplaySession, type: string): boolean {
  return session.events.some((event) => event.type === type && !session.consumed.has(event.id));
}

function replayWait<T>(session: ReplaySession, record: StepRecord): WorkflowStepEvent<T> {
  if (record.state === 'failed') throw hydrateError(record.error ?? { name: 'WorkflowTimeoutError', message: 'timed out' });
  const event: EventRecord | undefined = record.eventId ? session.eventById(record.eventId) : undefined;
  if (!event) throw new Error(`The event consumed by step "${record.name}" is missing from the journal`);
  session.consumed.add(event.id);
  return { payload: deserialize<T>(event.payload), timestamp: new Date(event.timestamp), type: event.type };
}
