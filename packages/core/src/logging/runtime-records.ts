// Cairn's own records, written as lifecycle hooks into the runtime's log sink: step outcomes, status changes and
// replays at debug and info, failed steps and errored instances as warnings. At the default threshold (warn) a
// healthy system logs nothing.

import type { RuntimeHooks } from '../hooks/types.js';
import type { LogSink } from './logger.js';

export function runtimeLogHooks(sink: LogSink): RuntimeHooks {
  return {
    onStepEnd: ({ ref, name, kind, attempt, outcome, durationMs, error }) => {
      const level = outcome === 'failed' ? 'warn' : outcome === 'retrying' ? 'info' : 'debug';
      if (!sink.enabled(level)) return;
      sink.write(level, `step "${name}" ${outcome}`, {
        workflow: ref.workflowName,
        instance: ref.instanceId,
        step: name,
        kind,
        attempt,
        outcome,
        durationMs,
        ...(error ? { error } : {}),
      });
    },
    onInstanceStatus: ({ ref, from, to }) => {
      const level = to === 'errored' ? 'warn' : 'info';
      if (sink.enabled(level)) sink.write(level, `instance ${from ?? 'new'} -> ${to}`, { workflow: ref.workflowName, instance: ref.instanceId, from, to });
    },
    onReplay: ({ ref, outcome, durationMs }) => {
      if (sink.enabled('debug')) sink.write('debug', `replay ${outcome}`, { workflow: ref.workflowName, instance: ref.instanceId, outcome, durationMs });
    },
  };
}

/** Both sets of hooks, each told in turn (the user's first). */
export function mergeHooks(first: RuntimeHooks | undefined, second: RuntimeHooks): RuntimeHooks {
  if (!first) return second;
  const merged: RuntimeHooks = {};
  for (const name of ['onStepStart', 'onStepEnd', 'onInstanceStatus', 'onReplay'] as const) {
    const a = first[name] as ((info: unknown) => unknown) | undefined;
    const b = second[name] as ((info: unknown) => unknown) | undefined;
    if (a && b) {
      (merged as Record<string, unknown>)[name] = (info: unknown) => {
        // The second set still hears what the first threw on (callHook reports the throw).
        try {
          return a.call(first, info);
        } finally {
          b.call(second, info);
        }
      };
    } else if (a ?? b) (merged as Record<string, unknown>)[name] = a ?? b;
  }
  return merged;
}
