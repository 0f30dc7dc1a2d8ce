// The REST API and wake-message shapes shared by the Lambda and Cloud Run hosts (see http/*.ts).
export { createHttpApi, type HttpApi, type HttpApiOptions } from './api.js';
export { WakeMessageSchema, SweepMessageSchema, wakeMessage, type WakeMessage, type SweepMessage } from './messages.js';
export { mapError as mapHttpError, HttpProblem, type MappedError } from './http-errors.js';
export { toJsonText, jsonResponse, problemResponse, problemBody } from './json.js';
