// What the instance handles and bindings need from the runtime.

import type { Clock } from './clock.js';
import type { InstanceRecord } from './records.js';
import type { InstanceChange, WakeRequest } from './scheduler.js';
import type { InstanceRef, WorkflowStore } from './store.js';

export interface RuntimeInternals {
  store: WorkflowStore;
  clock: Clock;
  owner: string;
  leaseMs: number;
  retentionMs: number | null;
  /** Unconsumed events an instance may hold (`sendEvent` refuses more). */
  maxBufferedEvents: number;
  /** Asks the scheduler for a wake-up; a failure is reported, not thrown: the sweeper recovers it. */
  schedule(wake: WakeRequest): Promise<void>;
  /** Tells a replay running in this process about a change to its instance, and a fleet scheduler every other process. */
  notify(ref: InstanceRef, change: InstanceChange): void;
  /** With telemetry on: runs a new instance's write in its create span, recording the span's context on it. */
  traceCreate?<T>(record: InstanceRecord, write: () => Promise<T>): Promise<T>;
  /** `restart({ version })`: the version `asked` names for this instance ('current': the one new instances get). */
  versionFor?(instance: InstanceRecord, asked: string): Promise<string | undefined>;
}
