// A W3C `traceparent` (version 00): how an instance's trace context is kept in its record and carried in its
// wake messages, with no dependency on OpenTelemetry (see ../telemetry for what reads and writes it).

import { z } from 'zod';

const TRACE_PARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ALL_ZERO = /^0+$/;

export const TraceParentSchema = z
  .string()
  .regex(TRACE_PARENT, 'a W3C traceparent: 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>')
  .refine((text) => {
    const [, traceId, spanId] = TRACE_PARENT.exec(text) ?? [];
    return !ALL_ZERO.test(traceId ?? '0') && !ALL_ZERO.test(spanId ?? '0');
  }, 'a traceparent whose trace and span ids are not all zeros');

export interface TraceParentParts {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

export function formatTraceParent(parts: TraceParentParts): string {
  return `00-${parts.traceId}-${parts.spanId}-${(parts.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The parts of a valid traceparent; undefined for anything else. */
export function parseTraceParent(text: string | undefined): TraceParentParts | undefined {
  if (text === undefined || !TraceParentSchema.safeParse(text).success) return undefined;
  const [, traceId, spanId, flags] = TRACE_PARENT.exec(text)!;
  return { traceId: traceId!, spanId: spanId!, traceFlags: Number.parseInt(flags!, 16) };
}
