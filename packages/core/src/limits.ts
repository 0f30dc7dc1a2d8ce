// Limits and input rules, as Cloudflare's: checked before anything is written.

import { PayloadTooLargeError, ValidationError } from './errors.js';
import { byteLengthExceeds, serialize } from './serialize.js';

export const MAX_PAYLOAD_BYTES = 1024 * 1024;
export const DEFAULT_STEP_LIMIT = 10_000;
export const MAX_BATCH_SIZE = 100;
const MAX_ID_LENGTH = 100;
const MAX_STEP_NAME_LENGTH = 256;

const ID_PATTERN = /^[a-zA-Z0-9_][a-zA-Z0-9-_]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export function assertInstanceId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH || !ID_PATTERN.test(id)) {
    throw new ValidationError('instance id', `at most ${MAX_ID_LENGTH} characters matching ${ID_PATTERN}`, id, {
      headline: 'Workflow instance has invalid id', // Cloudflare's words
    });
  }
}

export function assertEventType(type: unknown): asserts type is string {
  if (typeof type !== 'string' || type.length === 0 || type.length > MAX_ID_LENGTH || !ID_PATTERN.test(type)) {
    throw new ValidationError('event type', `at most ${MAX_ID_LENGTH} characters matching ${ID_PATTERN}`, type);
  }
}

/** An event's idempotency key (`sendEvent({ id })`): the instance id rules. */
export function assertEventId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH || !ID_PATTERN.test(id)) {
    throw new ValidationError('event id', `at most ${MAX_ID_LENGTH} characters matching ${ID_PATTERN}`, id);
  }
}

/** Events an instance buffers (sent, not yet taken by a wait) by default; past it `sendEvent` is refused. */
export const DEFAULT_MAX_BUFFERED_EVENTS = 1_000;

export function assertStepName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_STEP_NAME_LENGTH || CONTROL_CHARACTERS.test(name)) {
    throw new ValidationError('step name', `a non-empty string of at most ${MAX_STEP_NAME_LENGTH} characters without control characters`, name);
  }
}

/**
 * Serializes and enforces the 1 MiB limit; `what` names the value in errors ("Step \"x\" output"), and may
 * be a function so that the hot path builds no message it will not use.
 */
export function serializeWithinLimit(value: unknown, what: string | (() => string), limit = MAX_PAYLOAD_BYTES): string {
  let text: string;
  try {
    text = serialize(value, typeof what === 'string' ? what : 'The value');
  } catch (error) {
    if (typeof what === 'string') throw error;
    text = serialize(value, what()); // throws again, naming the value
  }
  const bytes = byteLengthExceeds(text, limit);
  if (bytes !== undefined) throw new PayloadTooLargeError(typeof what === 'string' ? what : what(), bytes, limit);
  return text;
}
