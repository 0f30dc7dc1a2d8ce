// Maps errors to HTTP responses: `{ error: { code, name, message } }`. Cairn's own input, lookup and
// conflict errors say what went wrong; anything else is a 500 whose message reveals nothing internal.

import { CairnError } from '../errors.js';
import { jsonResponse, problemBody } from './json.js';

/** An HTTP-level problem found before any workflow code ran (bad JSON, no such route, body too big). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For 405: the method the path takes. */
    readonly allow?: string,
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

const STATUS_BY_CODE: Partial<Record<string, number>> = {
  invalid_input: 400,
  invalid_step_config: 400,
  not_serializable: 400,
  unknown_workflow: 404,
  instance_not_found: 404,
  instance_already_exists: 409,
  instance_finished: 409,
  instance_cannot_terminate: 409,
  payload_too_large: 413,
  too_many_events: 429,
};

export interface MappedError {
  status: number;
  body: { error: { code: string; name: string; message: string } };
  /** True when the error is not the caller's fault and should be logged. */
  internal: boolean;
}

export function mapError(error: unknown): MappedError {
  if (error instanceof HttpProblem) return { status: error.status, body: problemBody(error.code, error.message, error.name), internal: false };
  if (CairnError.is(error)) {
    const status = STATUS_BY_CODE[error.code];
    if (status !== undefined) return { status, body: problemBody(error.code, error.message, error.name), internal: false };
  }
  return { status: 500, body: problemBody('internal_error', 'The request failed; see the server logs', 'InternalError'), internal: true };
}

export function errorResponse(mapped: MappedError): Response {
  return jsonResponse(mapped.status, mapped.body);
}
