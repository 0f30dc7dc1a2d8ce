// Metrics, named by OpenTelemetry's conventions under `cairn.` with units: instance and step counters, step
// and replay durations, how late wake-ups run, and the due backlog sweeps find. Every instrument carries the
// workflow's name (`cairn.workflow.name`); step instruments also the kind.

import type { Counter, Gauge, Histogram, Meter } from '@opentelemetry/api';
import type { Clock } from '../clock.js';
import type { InstanceStatusChange, ReplayInfo, StepEndInfo } from '../hooks/types.js';
import type { InstanceRecord } from '../records.js';
import { ATTR } from './attributes.js';

/** Bucket bounds (seconds) for durations from a millisecond step to a day's sleep. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 3600, 86_400];

export class Metrics {
  private readonly instances: Record<'started' | 'complete' | 'errored' | 'terminated', Counter>;
  private readonly steps: Record<'completed' | 'failed' | 'retrying', Counter>;
  private readonly stepDuration: Histogram;
  private readonly replayDuration: Histogram;
  private readonly wakeLateness: Histogram;
  private readonly dueBacklog: Gauge;

  constructor(
    meter: Meter,
    private readonly clock: Clock,
  ) {
    const counter = (name: string, unit: string, description: string) => meter.createCounter(name, { unit, description });
    const seconds = (name: string, description: string) =>
      meter.createHistogram(name, { unit: 's', description, advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
    this.instances = {
      started: counter('cairn.instance.started', '{instance}', 'Instances whose first replay began (a restart starts one again)'),
      complete: counter('cairn.instance.completed', '{instance}', 'Instances that completed'),
      errored: counter('cairn.instance.errored', '{instance}', 'Instances that errored'),
      terminated: counter('cairn.instance.terminated', '{instance}', 'Instances terminated'),
    };
    this.steps = {
      completed: counter('cairn.step.completed', '{step}', 'Steps that recorded a result (sleeps and waits included)'),
      failed: counter('cairn.step.failed', '{step}', 'Steps that failed for good (retries exhausted, a wait timed out)'),
      retrying: counter('cairn.step.retried', '{attempt}', 'Step attempts that failed and were retried'),
    };
    this.stepDuration = seconds('cairn.step.duration', 'Step attempts, and sleeps and waits from reached to over');
    this.replayDuration = seconds('cairn.replay.duration', 'Replays, from asked for to their report');
    this.wakeLateness = seconds('cairn.wake.lateness', 'How long after its due time a queued or waiting instance began running');
    this.dueBacklog = meter.createGauge('cairn.sweep.due', { unit: '{instance}', description: 'Due instances the last sweep found' });
  }

  onInstanceStatus(change: InstanceStatusChange): void {
    const attributes = { [ATTR.workflow]: change.ref.workflowName };
    if (change.to === 'running' && change.from === 'queued') this.instances.started.add(1, attributes);
    else if (change.to === 'complete' || change.to === 'errored' || change.to === 'terminated') this.instances[change.to].add(1, attributes);
  }

  onStepEnd(info: StepEndInfo): void {
    const attributes = { [ATTR.workflow]: info.ref.workflowName, [ATTR.stepKind]: info.kind === 'wait' ? 'waitForEvent' : info.kind };
    this.steps[info.outcome].add(1, attributes);
    this.stepDuration.record(info.durationMs / 1000, { ...attributes, [ATTR.stepOutcome]: info.outcome });
  }

  onReplay(info: ReplayInfo): void {
    this.replayDuration.record(info.durationMs / 1000, { [ATTR.workflow]: info.ref.workflowName, [ATTR.replayOutcome]: info.outcome });
  }

  sessionStarted(instance: InstanceRecord): void {
    if (instance.wakeAt === null || (instance.status !== 'queued' && instance.status !== 'waiting')) return;
    const late = this.clock.now() - instance.wakeAt;
    if (late >= 0) this.wakeLateness.record(late / 1000, { [ATTR.workflow]: instance.workflowName });
  }

  sweepObserved(due: number): void {
    this.dueBacklog.record(due);
  }
}
