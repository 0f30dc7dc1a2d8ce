// Builds a runtime on the memory store with a virtual clock, and waits for instances to settle.

import { createMemoryStore, createRuntime, type MemoryStore, type RuntimeOptions, type WorkflowInstance, type InstanceStatus } from '@cairn/core';
import { createVirtualClock, settle } from './virtual-clock.js';

export function virtualRuntime(workflows: RuntimeOptions['workflows'], options: Partial<Omit<RuntimeOptions, 'store'>> = {}) {
  const clock = createVirtualClock();
  const store: MemoryStore = createMemoryStore();
  const runtime = createRuntime({ store, clock, workflows, owner: 'test-runner', ...options });
  /** Runs virtual time until the instance reaches one of `statuses`. */
  const until = async (instance: WorkflowInstance, ...statuses: InstanceStatus['status'][]) => {
    const wanted = statuses.length > 0 ? statuses : ['complete', 'errored', 'terminated'];
    let last: InstanceStatus | undefined;
    await clock.runUntil(async () => {
      last = await instance.status();
      return wanted.includes(last.status);
    });
    last = await instance.status();
    if (!wanted.includes(last.status)) throw new Error(`instance ${instance.id} is ${last.status}, wanted ${wanted.join('|')}`);
    return last;
  };
  return { runtime, store, clock, until };
}

export { settle };

/** Real-time wait until `check` holds (for tests on the system clock). */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 5_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
