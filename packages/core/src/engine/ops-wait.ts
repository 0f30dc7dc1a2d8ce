// step.waitForEvent: take the first buffered event of the type (FIFO), or wait for one until the timeout.

import { parseDuration } from '../duration.js';
import { ValidationError, WorkflowTimeoutError } from '../errors.js';
import { hydrateError, serializeError } from '../error-codec.js';
import { assertEventType, assertStepName } from '../limits.js';
import type { StepRecord } from '../records.js';
import { deserialize } from '../serialize.js';
import { failedRecord, receivedRecord, startedRecord, type StepIdentity } from '../journal/builders.js';
import type { WaitForEventOptions, WorkflowStepEvent } from '../entrypoint.js';
import type { StepScope } from './scope.js';
import { NEVER } from './never.js';

const DEFAULT_TIMEOUT = '24 hours';

export async function runWait<T>(scope: StepScope, name: string, options: WaitForEventOptions): Promise<WorkflowStepEvent<T>> {
  assertStepName(name);
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError(`options of step.waitForEvent("${name}")`, '{ type, timeout? }', options);
  }
  assertEventType(options.type);
  const { type } = options;
  const timeoutMs = parseDuration(options.timeout ?? DEFAULT_TIMEOUT, `timeout of step.waitForEvent("${name}")`);
  const call = scope.nextKey('wait', name);
  const identity: StepIdentity = { key: call.key, kind: 'wait', name, index: call.index };

  const outcome = scope.journal.outcomes.get(call.key);
  if (outcome) return replayWait<T>(scope, outcome);
  scope.callStarted();
  try {
    return await awaitEvent<T>(scope, identity, type, timeoutMs);
  } finally {
    scope.callEnded();
  }
}

async function awaitEvent<T>(scope: StepScope, identity: StepIdentity, type: string, timeoutMs: number): Promise<WorkflowStepEvent<T>> {
  let start = scope.journal.starts.get(identity.key);
  for (;;) {
    // Failing or terminating: nothing new starts in `run()` (its rollbacks run instead).
    if (scope.rollingBack) return NEVER;
    const event = scope.journal.takeEvent(type);
    const now = scope.now;
    if (event) {
      const stored = await scope.record(
        receivedRecord(identity, scope.generation, {
          startedAt: start?.startedAt ?? now,
          recordedAt: now,
          eventId: event.id,
          eventType: event.type,
          payload: event.payload,
          eventTimestamp: event.timestamp,
        }),
      );
      return replayWait<T>(scope, stored);
    }
    start ??= await scope.record(startedRecord(identity, scope.generation, { at: now, wakeAt: now + timeoutMs, eventType: type }));
    const deadline = start.wakeAt ?? now;
    if (now >= deadline) {
      // Cloudflare's words; the span is the recorded one (code may pass another timeout on a later replay).
      const error = serializeError(new WorkflowTimeoutError(`Execution timed out after ${deadline - start.startedAt}ms`));
      const stored = await scope.record(
        failedRecord(identity, scope.generation, { attempt: 1, startedAt: start.startedAt, recordedAt: now, eventType: type, error }),
      );
      return replayWait<T>(scope, stored);
    }
    await scope.block({ wakeAt: deadline, reason: 'event', recheck: () => scope.journal.hasEvent(type) });
  }
}

function replayWait<T>(scope: StepScope, record: StepRecord): WorkflowStepEvent<T> {
  if (record.state === 'failed') throw hydrateError(record.error ?? { name: 'WorkflowTimeoutError', message: 'timed out' });
  // The outcome holds the event (the store may leave consumed events out of the journal); older records name it only.
  if (record.value !== undefined && record.eventTimestamp !== undefined) {
    return { payload: deserialize<T>(record.value), timestamp: new Date(record.eventTimestamp), type: record.eventType ?? '' };
  }
  const event = record.eventId ? scope.journal.consumedEvent(record.eventId) : undefined;
  if (!event) throw new Error(`The event consumed by step "${record.name}" is missing from the journal`);
  return { payload: deserialize<T>(event.payload), timestamp: new Date(event.timestamp), type: event.type };
}
