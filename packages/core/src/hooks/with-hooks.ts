// Everything a runtime with hooks adds, in one place: the hooked store it writes through, the two engine points
// (step.do attempt starts, sleep ends) and the report of each replay.

import type { Clock } from '../clock.js';
import type { EngineSettings } from '../engine/settings.js';
import type { WorkflowStore } from '../store.js';
import { callHook, type HookErrorHandler } from './call-hook.js';
import { reportingSleepEnds, reportingStepStarts } from './engine-reports.js';
import { hookedStore } from './hooked-store.js';
import type { RuntimeHooks } from './types.js';

export interface HookWiring {
  store: WorkflowStore;
  /** Sets the engine points the hooks need. */
  wire(settings: EngineSettings): void;
}

export function withHooks(store: WorkflowStore, hooks: RuntimeHooks, clock: Clock, onError: HookErrorHandler): HookWiring {
  return {
    store: hookedStore(store, hooks, onError),
    wire(settings) {
      if (hooks.onStepStart) settings.stepOverride = reportingStepStarts(settings.stepOverride, hooks, clock, onError);
      if (hooks.onStepEnd) settings.onSleepEnd = reportingSleepEnds(hooks, onError);
      if (hooks.onReplay) {
        settings.onReplayed = (ref, report, startedAt) =>
          callHook(hooks, 'onReplay', { ref, outcome: report.outcome, durationMs: clock.now() - startedAt, report }, onError);
      }
    },
  };
}
