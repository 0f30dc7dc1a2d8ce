// The replays of one runtime: each started through `replay`, tracked until it settles (for idle and close),
// and its live session registered so that events, pauses and terminations in this process reach it at once.

import { replayInstance, type LiveSessions, type ReplayOptions } from './engine/replay.js';
import type { ReplaySession } from './engine/session.js';
import type { EngineSettings, ReplayReport } from './engine/settings.js';
import type { WorkflowClass } from './entrypoint.js';
import type { InstanceChange } from './scheduler.js';
import type { InstanceRef } from './store.js';
import { refKey } from './shared/refs.js';

export class RuntimeReplays {
  private readonly sessions = new Map<string, ReplaySession>();
  private readonly inFlight = new Map<string, Promise<ReplayReport>>();
  private readonly live: LiveSessions = {
    add: (session) => this.sessions.set(refKey(session.ref), session),
    delete: (session) => {
      const key = refKey(session.ref);
      if (this.sessions.get(key) === session) this.sessions.delete(key);
    },
  };

  constructor(
    private readonly settings: EngineSettings,
    private readonly classOf: (workflowName: string, version?: string) => WorkflowClass,
    private readonly env: () => unknown,
    /** Sees every report (the runtime's concurrency bookkeeping); none when nothing needs to. */
    private readonly onReport?: (ref: InstanceRef, report: ReplayReport) => ReplayReport,
  ) {}

  replay(ref: InstanceRef, options: ReplayOptions = {}): Promise<ReplayReport> {
    const key = refKey(ref);
    const { onReport } = this;
    const { onReplayed, telemetry } = this.settings;
    const startedAt = this.settings.clock.now();
    let run: Promise<ReplayReport>;
    if (telemetry) {
      const requested = telemetry.replayRequested();
      run = replayInstance(this.settings, ref, this.classOf, this.env(), options, this.live, (loaded) => telemetry.sessionStarted(loaded, requested)).then(
        (report) => {
          telemetry.replayEnded(ref, report);
          return report;
        },
        (error: unknown) => {
          telemetry.replayEnded(ref, undefined, error);
          throw error;
        },
      );
    } else run = replayInstance(this.settings, ref, this.classOf, this.env(), options, this.live);
    if (onReport) run = run.then((report) => onReport(ref, report));
    if (onReplayed) {
      run = run.then((report) => {
        onReplayed(ref, report, startedAt);
        return report;
      });
    }
    const tracked = run.finally(() => {
      if (this.inFlight.get(key) === tracked) this.inFlight.delete(key);
    });
    this.inFlight.set(key, tracked);
    return tracked;
  }

  /** Tells the replay of `ref` running in this process (if any) about a change to its instance. */
  notify(ref: InstanceRef, change: InstanceChange): void {
    const session = this.sessions.get(refKey(ref));
    if (!session) return;
    if (change === 'terminate') void session.onLeaseLost();
    else session.notify(change);
  }

  /** Every replay in this process stops holding waits in process and suspends (the runtime is closing). */
  dropHolds(): void {
    for (const session of this.sessions.values()) session.dropHolds();
  }

  /** Resolves when no replay is in progress. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled(this.inFlight.values());
  }
}
