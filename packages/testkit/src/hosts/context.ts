// What each group of host tests receives, and the helpers they share.

import { expect } from 'vitest';
import { wakeMessage, type WakeMessage, type WorkflowStore } from '@cairn/core';
import type { HostHarness, HostSetup } from './harness.js';
import type { Executions } from './workflows.js';

export interface HostSuiteContext {
  /** The host of the running test (a fresh one per test). */
  readonly harness: HostHarness;
  readonly executions: Executions;
  readonly setup: HostSetup;
}

let counter = 0;
/** An instance id no other test uses. */
export function freshId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
}

/** The latest wake request the runtime made for the instance, as a wake message. */
export function lastWake(harness: HostHarness, instanceId: string): WakeMessage {
  const requests = harness.scheduled().filter((request) => request.instanceId === instanceId);
  const last = requests[requests.length - 1];
  expect(last, `a wake request for ${instanceId}`).toBeDefined();
  return wakeMessage(last!);
}

/** Everything the store holds, in a comparable form: what a refused or stale request must leave as it was. */
export async function storeSnapshot(store: WorkflowStore): Promise<unknown> {
  const instances = [];
  let cursor: string | undefined;
  do {
    const page = await store.listInstances({ limit: 200, ...(cursor ? { cursor } : {}) });
    instances.push(...page.instances);
    cursor = page.nextCursor;
  } while (cursor);
  const journals = [];
  for (const instance of instances.sort((a, b) => `${a.workflowName}/${a.instanceId}`.localeCompare(`${b.workflowName}/${b.instanceId}`))) {
    journals.push(await store.loadJournal(instance));
  }
  return journals;
}
