// The store a runtime with hooks writes through: it tells onStepStart / onStepEnd about the journal records the
// store acknowledged, and onInstanceStatus about every status its writes change. The status before a write is
// the one last read or written through it (the engine and the control operations read an instance before they
// write it), so no write costs an extra read. Runtimes without hooks use the store as given.

import type { InstanceRecord, InstanceStatusName, StepRecord } from '../records.js';
import { countOfKey } from '../journal/keys.js';
import { refKey } from '../shared/refs.js';
import type { InstanceRef, WorkflowStore } from '../store.js';
import { callHook, type HookErrorHandler } from './call-hook.js';
import type { RuntimeHooks } from './types.js';

/** Known statuses kept at most; the oldest is forgotten first (its next change then reports `from: null`). */
const MAX_KNOWN = 10_000;

export function hookedStore(store: WorkflowStore, hooks: RuntimeHooks, onError: HookErrorHandler): WorkflowStore {
  const known = new Map<string, InstanceStatusName>();
  const remember = (record: InstanceRecord | null | undefined) => {
    if (!record) return;
    const key = refKey(record);
    known.delete(key);
    known.set(key, record.status);
    if (known.size > MAX_KNOWN) known.delete(known.keys().next().value!);
  };
  const changed = (record: InstanceRecord, from: InstanceStatusName | null) => {
    if (from === record.status) return;
    callHook(hooks, 'onInstanceStatus', { ref: { workflowName: record.workflowName, instanceId: record.instanceId }, from, to: record.status }, onError);
  };
  const write = (record: InstanceRecord) => {
    const from = known.get(refKey(record)) ?? null;
    remember(record);
    changed(record, from);
    return record;
  };

  const hooked: WorkflowStore = {
    name: store.name,
    async createInstance(params) {
      await store.createInstance(params);
      write(params.instance);
    },
    async getInstance(params) {
      const record = await store.getInstance(params);
      remember(record);
      return record;
    },
    async loadJournal(params) {
      const journal = await store.loadJournal(params);
      remember(journal?.instance);
      return journal;
    },
    updateInstance: async (params) => write(await store.updateInstance(params)),
    async recordStep(params) {
      const result = await store.recordStep(params);
      if (result.recorded) reportStep(hooks, params, params.step, onError);
      return result;
    },
    appendEvent: async (params) => write(await store.appendEvent(params)),
    listInstances: (params) => store.listInstances(params),
    listDueInstances: (params) => store.listDueInstances(params),
    async deleteInstance(params) {
      const deleted = await store.deleteInstance(params);
      known.delete(refKey(params));
      return deleted;
    },
  };
  if (store.claimNonce) hooked.claimNonce = (params) => store.claimNonce!(params);
  if (store.countInstances) hooked.countInstances = (params) => store.countInstances!(params);
  if (store.close) hooked.close = () => store.close!();
  return hooked;
}

function reportStep(hooks: RuntimeHooks, ref: InstanceRef, step: StepRecord, onError: HookErrorHandler): void {
  const target = { workflowName: ref.workflowName, instanceId: ref.instanceId };
  if (step.state === 'started') {
    callHook(
      hooks,
      'onStepStart',
      { ref: target, name: step.name, kind: step.kind, count: countOfKey(step.key), attempt: step.attempt, startedAt: step.startedAt, record: step },
      onError,
    );
    return;
  }
  if (step.state === 'chunk') return;
  const outcome = step.state === 'completed' ? 'completed' : step.state === 'failed' ? 'failed' : 'retrying';
  const began = step.state === 'attempt-failed' ? step.startedAt : (step.attemptStartedAt ?? step.startedAt);
  callHook(
    hooks,
    'onStepEnd',
    {
      ref: target,
      name: step.name,
      kind: step.kind,
      attempt: step.attempt,
      durationMs: Math.max(0, step.recordedAt - began),
      outcome,
      ...(step.error ? { error: { name: step.error.name, message: step.error.message } } : {}),
      record: step,
    },
    onError,
  );
}
