// What every command gets: the runtime built from the config, and where to write.

import { createRuntime, type Runtime, type Scheduler, type StepRecord, type WorkflowStore } from '@cairn/core';
import type { LoadedConfig } from './config.js';
import type { CliIO, Progress } from './io.js';

export interface CommandContext {
  runtime: Runtime;
  store: WorkflowStore;
  io: CliIO;
  progress: Progress;
  json: boolean;
  /** Step records written by this process, as they are written (used by `create --wait`). */
  onStep(listener: (step: StepRecord) => void): void;
}

/**
 * Records the wake-up time only. Every operation sets `wakeAt` on the instance (the due index) before
 * it schedules, so the runner that polls `listDueInstances` (the local runner, a sweeper) picks it up,
 * and the CLI process never runs workflow code unless asked to (`create --wait`).
 */
export const dueIndexScheduler: Scheduler = {
  name: 'due-index',
  async schedule() {},
};

export function createContext(config: LoadedConfig, io: CliIO, progress: Progress, json: boolean): CommandContext {
  const listeners: Array<(step: StepRecord) => void> = [];
  const tell = (step: StepRecord | undefined) => {
    if (step) for (const listener of listeners) listener(step);
  };
  const runtime = createRuntime({
    store: config.store,
    hooks: { onStepStart: ({ record }) => tell(record), onStepEnd: ({ record }) => tell(record) },
    scheduler: config.scheduler ?? dueIndexScheduler,
    workflows: config.workflows,
    env: config.env,
    onError: (error, where) =>
      progress.log(`cairn: ${where.operation} of ${where.workflowName}/${where.instanceId} failed: ${error instanceof Error ? error.message : String(error)}`),
  });
  return { runtime, store: runtime.store, io, progress, json, onStep: (listener) => void listeners.push(listener) };
}
