// A store decorator that reports every journal record it writes: progress output (the CLI's
// `create --wait`, the quick-start demo) without touching the engine. Nothing else changes.

import type { StepRecord } from './records.js';
import type { WorkflowStore } from './store.js';

export function observeSteps(store: WorkflowStore, onStep: (step: StepRecord) => void): WorkflowStore {
  const observed: WorkflowStore = {
    name: store.name,
    createInstance: (params) => store.createInstance(params),
    getInstance: (params) => store.getInstance(params),
    loadJournal: (params) => store.loadJournal(params),
    updateInstance: (params) => store.updateInstance(params),
    async recordStep(params) {
      const result = await store.recordStep(params);
      if (result.recorded) onStep(params.step);
      return result;
    },
    appendEvent: (params) => store.appendEvent(params),
    listInstances: (params) => store.listInstances(params),
    listDueInstances: (params) => store.listDueInstances(params),
    deleteInstance: (params) => store.deleteInstance(params),
  };
  if (store.close) observed.close = () => store.close!();
  return observed;
}
