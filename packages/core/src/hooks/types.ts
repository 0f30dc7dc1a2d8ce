// Lifecycle hooks (`createRuntime({ hooks })`): what each is told. See call-hook.ts for when they run.

import type { InstanceStatusName, StepRecord } from '../records.js';
import type { InstanceRef } from '../store.js';
import type { ReplayReport } from '../engine/settings.js';

type StepKindName = StepRecord['kind'];

export interface StepStartInfo {
  ref: InstanceRef;
  name: string;
  kind: StepKindName;
  /** The n-th call of this name in the run. */
  count: number;
  /** 1 for the first try of a `step.do`; 0 for a sleep or wait reached. */
  attempt: number;
  startedAt: number;
  /** The journal record that marks the start (sleeps and waits); a `step.do` attempt writes none. */
  record?: StepRecord;
}

export interface StepEndInfo {
  ref: InstanceRef;
  name: string;
  kind: StepKindName;
  attempt: number;
  /** From the attempt's start (a sleep or wait: from when it was reached) to the record. */
  durationMs: number;
  /** `retrying`: this attempt failed and another follows. */
  outcome: 'completed' | 'failed' | 'retrying';
  error?: { name: string; message: string };
  /** The journal record written for this end (a sleep writes none at its end: its start record). */
  record: StepRecord;
}

export interface InstanceStatusChange {
  ref: InstanceRef;
  /** null when the instance was just created. */
  from: InstanceStatusName | null;
  to: InstanceStatusName;
}

export interface ReplayInfo {
  ref: InstanceRef;
  outcome: ReplayReport['outcome'];
  durationMs: number;
  report: ReplayReport;
}

/**
 * Told about steps, status changes and replays of this runtime. Each is called synchronously once the engine has
 * what it reports (a step's end and a status change after the store acknowledged the write), in that order per
 * instance; a returned promise is not awaited, and an error (thrown or rejected) goes to `onError` with operation
 * `hook <name>`. Keep them cheap: they run on the engine's path (start them off with `queueMicrotask` for anything more).
 */
export interface RuntimeHooks {
  onStepStart?(info: StepStartInfo): unknown;
  onStepEnd?(info: StepEndInfo): unknown;
  onInstanceStatus?(change: InstanceStatusChange): unknown;
  onReplay?(info: ReplayInfo): unknown;
}
