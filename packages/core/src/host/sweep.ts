// The sweep, one implementation for every host: fire the cron schedules that came due, list the instances
// whose wake-up is due (the due index: sleepers, lost wake-ups, runners that died holding a lease) and either
// replay them here or hand each to the scheduler as an immediate wake-up (fan-out: one invocation each).
// Failures of single instances are counted and returned, never thrown: the others still run.

import type { InstanceRef } from '../store.js';
import type { WakeHost } from './wake.js';
import { DEFAULT_SWEEP_LIMIT } from '../shared/intervals.js';
import { refOf } from '../shared/refs.js';
import { ATTR } from '../telemetry/attributes.js';
import type { RuntimeTelemetry } from '../telemetry/types.js';

/** What a sweep needs of a runtime (a Runtime is one). */
export interface SweepHost extends WakeHost {
  fireSchedules(): Promise<number>;
}

export interface SweepOptions {
  /** Due instances per sweep. @default 100 */
  limit?: number;
  /** 'replay': replay them here; 'fan-out': schedule an immediate wake-up of each. @default 'replay' */
  mode?: 'replay' | 'fan-out';
  /** Replays stop starting work at this time (runtime clock), and no replay starts after it. @default none */
  deadline?: number;
  /** Replays at once. @default all of them */
  concurrency?: number;
  /** How a due instance is replayed without a deadline (the runtime's in-process delivery, with its retries). */
  deliver?: (ref: InstanceRef) => Promise<void>;
  /** Names the host in telemetry (the `cairn.host` attribute of its `cairn.sweep` span). */
  host?: string;
}

export interface SweepReport {
  /** Due instances of this runtime's workflows found. */
  due: number;
  /** Replayed (or, fanning out, handed to the scheduler). */
  replayed: number;
  /** Replay outcomes by name. */
  outcomes: Record<string, number>;
  /** Replays or hand-overs that failed (each was reported to `onError`). */
  failed: number;
  /** The failures themselves, with the instance each was for. */
  errors: Array<{ ref: InstanceRef; error: unknown }>;
}

export async function sweepDue(host: SweepHost, options: SweepOptions = {}, telemetry?: RuntimeTelemetry): Promise<SweepReport> {
  if (!telemetry) return sweep(host, options);
  // A sweep is its own trace; the replays it runs join their instances' traces and link to it.
  return telemetry.hostWork('cairn.sweep', undefined, { [ATTR.host]: options.host ?? 'unnamed' }, async () => {
    const report = await sweep(host, options);
    telemetry.sweepObserved(report.due);
    return report;
  });
}

async function sweep(host: SweepHost, options: SweepOptions): Promise<SweepReport> {
  // Cron schedules first (what came due while nothing ran): their instances are then due too.
  await host.fireSchedules();
  const listed = await host.store.listDueInstances({ now: host.clock.now(), limit: options.limit ?? DEFAULT_SWEEP_LIMIT });
  // Instances of workflows this runtime does not run (a shared store) are left to their own hosts.
  const due = listed.filter((ref) => host.workflowNames.includes(ref.workflowName)).map(refOf);
  const report: SweepReport = { due: due.length, replayed: 0, outcomes: {}, failed: 0, errors: [] };
  const one = async (ref: InstanceRef) => {
    try {
      if (options.mode === 'fan-out') {
        await host.scheduler.schedule({ ...ref, wakeAt: host.clock.now(), wakeSeq: -1 });
        count(report, 'scheduled');
      } else if (options.deadline === undefined && options.deliver) {
        await options.deliver(ref);
        count(report, 'delivered');
      } else {
        const replayed = await host.replay(ref, options.deadline === undefined ? {} : { deadline: options.deadline });
        count(report, replayed.outcome);
      }
    } catch (error) {
      report.failed++;
      report.errors.push({ ref, error });
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < due.length && (options.deadline === undefined || host.clock.now() < options.deadline)) {
      const ref = due[next++]!;
      report.replayed++;
      await one(ref);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? due.length, due.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return report;
}

function count(report: SweepReport, outcome: string): void {
  report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
}
