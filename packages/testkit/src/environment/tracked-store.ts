// The store the test runtime writes through: the caller's store, with a count of calls (so the environment
// can tell when the runtime has gone quiet) and a note of every instance created (to find it by id).

import type { InstanceRef, WorkflowStore } from '@cairn/core';

export interface TrackedStore {
  store: WorkflowStore;
  /** Changes at the start and end of every call. */
  readonly activity: number;
  /** Calls not yet settled. */
  readonly inFlight: number;
  /** Every instance created through it, in order. */
  readonly created: InstanceRef[];
  /** Called after each successful createInstance (mock events are delivered there). */
  onCreate?: (ref: InstanceRef) => Promise<void>;
}

const METHODS = [
  'createInstance',
  'getInstance',
  'loadJournal',
  'updateInstance',
  'recordStep',
  'appendEvent',
  'listInstances',
  'listDueInstances',
  'deleteInstance',
] as const;

export function trackStore(inner: WorkflowStore): TrackedStore {
  let activity = 0;
  let inFlight = 0;
  const tracked: TrackedStore = {
    store: { name: inner.name } as WorkflowStore,
    get activity() {
      return activity;
    },
    get inFlight() {
      return inFlight;
    },
    created: [],
  };
  const store = tracked.store as unknown as Record<string, unknown>;
  for (const method of METHODS) {
    store[method] = async (params: never) => {
      activity++;
      inFlight++;
      try {
        const result = await (inner[method] as (params: never) => Promise<unknown>).call(inner, params);
        if (method === 'createInstance') {
          const { workflowName, instanceId } = (params as { instance: InstanceRef }).instance;
          tracked.created.push({ workflowName, instanceId });
          await tracked.onCreate?.({ workflowName, instanceId });
        }
        return result;
      } finally {
        inFlight--;
        activity++;
      }
    };
  }
  if (inner.close) store.close = () => inner.close!();
  return tracked;
}
