// Wraps a store to inject faults: stall a runner (a GC pause or a partition), kill it (every call hangs),
// fail a write once, or run a hook before a write.

import type { WorkflowStore } from '@cairn/core';

export interface Faults {
  /** Calls wait this long first. */
  delayMs?: number;
  /** Every call from now on hangs forever: the runner is dead. */
  dead?: boolean;
  /** Runs before each call; may throw to fail it. */
  before?: (method: keyof WorkflowStore, params: any) => void | Promise<void>;
}

export function faultyStore(inner: WorkflowStore, faults: Faults): WorkflowStore {
  const wrap =
    <K extends keyof WorkflowStore>(method: K) =>
    async (params: any): Promise<any> => {
      if (faults.dead) return new Promise(() => {});
      if (faults.delayMs) await new Promise((resolve) => setTimeout(resolve, faults.delayMs));
      if (faults.dead) return new Promise(() => {});
      await faults.before?.(method, params);
      return (inner[method] as (p: unknown) => Promise<unknown>)(params);
    };
  return {
    name: `faulty(${inner.name})`,
    createInstance: wrap('createInstance'),
    getInstance: wrap('getInstance'),
    loadJournal: wrap('loadJournal'),
    updateInstance: wrap('updateInstance'),
    recordStep: wrap('recordStep'),
    appendEvent: wrap('appendEvent'),
    listInstances: wrap('listInstances'),
    listDueInstances: wrap('listDueInstances'),
    deleteInstance: wrap('deleteInstance'),
  };
}
