// A REST request's `traceparent` header as the active context while it is handled, so that an instance it
// creates joins the caller's trace. Free without the header; a malformed one is ignored.

import { parseTraceParent } from '../shared/trace-parent.js';
import { otelApi } from './otel-api.js';

export function withRemoteParent<T>(traceparent: string | null, work: () => T): T {
  const parts = traceparent ? parseTraceParent(traceparent.trim()) : undefined;
  const api = parts ? otelApi() : null;
  if (!parts || !api) return work();
  return api.context.with(api.trace.setSpanContext(api.context.active(), { ...parts, isRemote: true }), work);
}
