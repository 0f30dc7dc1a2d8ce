// Errors that cross the journal: what a failed step recorded, and what `run()` sees when it rethrows.

import { NonRetryableError, WorkflowTimeoutError } from './errors.js';
import type { ErrorSummary, SerializedError } from './records.js';
import { defineOwn, deserialize, ERROR_TYPES, serialize } from './serialize.js';

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) {
    return { name: 'Error', message: typeof error === 'string' ? error : safeString(error) };
  }
  const serialized: SerializedError = { name: error.name || 'Error', message: String(error.message ?? '') };
  if (error.stack) serialized.stack = error.stack;
  const keys = Object.keys(error);
  if (keys.length > 0) {
    const props: Record<string, unknown> = {};
    for (const key of keys) defineOwn(props, key, (error as unknown as Record<string, unknown>)[key]);
    try {
      serialized.props = serialize(props);
    } catch {
      // Properties that cannot be stored are dropped; name and message always survive.
    }
  }
  return serialized;
}

/** A fresh Error for `run()`: its name, message and properties kept, `instanceof NonRetryableError` working. */
export function hydrateError(serialized: SerializedError): Error {
  let error: Error;
  if (serialized.name === 'NonRetryableError') error = new NonRetryableError(serialized.message);
  else if (serialized.name === 'WorkflowTimeoutError') error = new WorkflowTimeoutError(serialized.message);
  else {
    const Builtin = ERROR_TYPES[serialized.name] ?? Error;
    error = new Builtin(serialized.message);
    error.name = serialized.name;
  }
  if (serialized.stack) error.stack = serialized.stack;
  if (serialized.props) {
    try {
      for (const [key, value] of Object.entries(deserialize<Record<string, unknown>>(serialized.props)))
        defineOwn(error as unknown as Record<string, unknown>, key, value);
    } catch {
      // ignore unreadable properties
    }
  }
  return error;
}

export function summarizeError(error: unknown): ErrorSummary {
  const { name, message } = serializeError(error);
  return { name, message };
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
