// @cairn/host-lambda: one AWS Lambda handler for wake-ups, the sweeper and the REST API.
export { createLambdaHandler, type LambdaHandlerOptions, type LambdaHandler, type LambdaResult, type WakeResult, type SweepResult } from './handler.js';
export {
  classifyEvent,
  ScheduledEventSchema,
  HttpEventV2Schema,
  HttpEventV1Schema,
  type HttpEventV2,
  type HttpEventV1,
  type LambdaContextLike,
} from './events.js';
export { eventToRequest, responseToResult, type HttpResultV2 } from './http-bridge.js';
export { eventV1ToRequest, responseToResultV1, type HttpResultV1 } from './http-bridge-v1.js';
