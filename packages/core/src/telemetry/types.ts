// What the engine, the bindings and the hosts ask of telemetry (telemetry/index.ts makes one from the
// OpenTelemetry API); nothing here names OpenTelemetry, and a runtime without telemetry has none of it.

import type { InstanceRecord } from '../records.js';
import type { InstanceRef } from '../store.js';

/** What telemetry reads of a replay's report (ReplayReport is one). */
export interface ReplayEnd {
  outcome: string;
  error?: { name: string; message: string } | null;
}

export type TelemetryAttributes = Record<string, string | number | boolean>;

export interface EngineTelemetry {
  /** Called synchronously as a replay is asked for: the caller's context, handed back to `sessionStarted`. */
  replayRequested(): unknown;
  /** A replay holds the instance's lease and starts running its code. */
  sessionStarted(instance: InstanceRecord, requested: unknown): void;
  /** A replay is over: its report, or the error it threw (its session may never have started). */
  replayEnded(ref: InstanceRef, report: ReplayEnd | undefined, error?: unknown): void;
  /** Runs a `step.do` attempt's callback within the attempt's span, so that spans the callback makes are its children. */
  runAttempt<T>(ref: InstanceRef, key: string, attempt: number, callback: () => T): T;
}

export interface RuntimeTelemetry extends EngineTelemetry {
  /** Runs the write of a new instance within a `cairn.create` span, and records that span's context on the instance. */
  create<T>(record: InstanceRecord, write: () => Promise<T>): Promise<T>;
  /** Runs a host's work (a wake, a sweep) within a span joining `trace` (an instance's traceparent) or the active one. */
  hostWork<T>(name: string, trace: string | undefined, attributes: TelemetryAttributes, work: () => Promise<T>): Promise<T>;
  /** A sweep found this many due instances. */
  sweepObserved(due: number): void;
}
