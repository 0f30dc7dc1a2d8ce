// Cloudflare's workflow test API (`introspectWorkflowInstance`, `introspectWorkflow` from `cloudflare:test`
// in @cloudflare/vitest-pool-workers), over a Cairn test environment: a test written for Cloudflare ports by
// changing its imports. The binding must come from a test environment (`createTestEnvironment`).
//
// Time: the environment's clock is virtual. While an introspector waits (waitForStepResult, waitForStatus),
// sleeps and retry delays pass at once, as they would pass in real time on Cloudflare, only without the wait;
// an event wait ends only with an event or forceEventTimeout, as there.

import { FINISHED_STATUSES, ValidationError, type InstanceRef, type InstanceStatusName, type Workflow } from '@cairn/core';
import { stepHistory } from './history.js';
import { introspectionTargetOf, type IntrospectionTarget } from './introspection-target.js';
import { Modifier, type WorkflowInstanceModifier, type WorkflowStepSelector } from './cloudflare-modifier.js';

export type { WorkflowInstanceModifier, WorkflowStepSelector } from './cloudflare-modifier.js';

export type ModifierCallback = (m: WorkflowInstanceModifier) => Promise<void>;

export interface WorkflowInstanceIntrospector {
  /** Applies mocks and time rules to this instance (before or after it is created). */
  modify(fn: ModifierCallback): Promise<WorkflowInstanceIntrospector>;
  /** Resolves with the step's output once it completes (rejects with its error if it fails for good). */
  waitForStepResult(step: WorkflowStepSelector): Promise<unknown>;
  /** Resolves when the instance has `status`; rejects if it finishes in another. */
  waitForStatus(status: InstanceStatusName): Promise<void>;
  /** The output of a complete instance. */
  getOutput(): Promise<unknown>;
  /** `{ name, message }` of an errored instance, as Cloudflare reports it. */
  getError(): Promise<{ name: string; message: string }>;
  /** Removes this introspector's mocks and terminates the instance if it still runs. */
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface WorkflowIntrospector {
  /** Applies mocks and time rules to every instance of the workflow created after `introspectWorkflow`. */
  modifyAll(fn: ModifierCallback): Promise<void>;
  /** An introspector per instance of the workflow created after `introspectWorkflow`, in creation order. */
  get(): Promise<WorkflowInstanceIntrospector[]>;
  /** Removes the mocks and disposes every instance introspector `get()` gave. */
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const PREFIX = '[WorkflowIntrospector]';
/** Sleeps and retry delays pass while an introspector waits (see the header). */
const AS_IN_REAL_TIME = { sleeps: 'all', retryDelays: 'all' } as const;
/** The error types Cloudflare's RPC keeps; any other error class reaches getError() as 'Error'. */
const RPC_ERROR_NAMES = new Set(['Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError']);

class InstanceIntrospector implements WorkflowInstanceIntrospector {
  private readonly removers: Array<() => void> = [];
  private readonly modifier: Modifier;
  private readonly ref: InstanceRef;

  constructor(
    private readonly target: IntrospectionTarget,
    instanceId: string,
  ) {
    this.ref = { workflowName: target.bindingName, instanceId };
    this.modifier = new Modifier({ target, instanceId, accept: () => true }, this.removers);
  }

  modify = async (fn: ModifierCallback): Promise<WorkflowInstanceIntrospector> => {
    await fn(this.modifier);
    return this;
  };

  waitForStepResult = async (step: WorkflowStepSelector): Promise<unknown> => {
    if (typeof step !== 'object' || step === null || typeof step.name !== 'string')
      throw new ValidationError('waitForStepResult step', '{ name: string, index?: integer >= 1 }', step);
    const count = step.index ?? 1;
    const found = await this.target.drive(
      `step "${step.name}" (index ${count}) of ${this.describe()} has no result yet`,
      async () => {
        const journal = await this.target.load(this.ref);
        if (!journal) return undefined;
        const entry = stepHistory(journal, this.target.now()).find((one) => one.kind === 'do' && one.name === step.name && one.count === count);
        if (entry?.state === 'completed') return { value: entry.value };
        if (entry?.state === 'failed') return { error: entry.error };
        if (FINISHED_STATUSES.has(journal.instance.status)) {
          throw new Error(
            `${PREFIX} The Workflow instance ${this.ref.instanceId} has reached status '${journal.instance.status}' without a result for step '${step.name}'.`,
          );
        }
        return undefined;
      },
      AS_IN_REAL_TIME,
    );
    if ('error' in found) throw Object.assign(new Error(found.error?.message ?? 'step failed'), { name: found.error?.name ?? 'Error' });
    return found.value;
  };

  waitForStatus = async (status: InstanceStatusName): Promise<void> => {
    if (status === 'queued') return; // as Cloudflare's: every instance has been queued
    await this.target.drive(
      `${this.describe()} has not reached status '${status}'`,
      async () => {
        const instance = (await this.target.load(this.ref))?.instance;
        if (!instance) return undefined;
        if (instance.status === status) return true;
        if (FINISHED_STATUSES.has(instance.status)) {
          throw new Error(
            `${PREFIX} The Workflow instance ${this.ref.instanceId} has reached status '${instance.status}'. This is a finite status that prevents it from ever reaching the expected status of '${status}'.`,
          );
        }
        return undefined;
      },
      AS_IN_REAL_TIME,
    );
  };

  getOutput = async (): Promise<unknown> => {
    const status = await this.status();
    if (status.status !== 'complete') {
      throw new Error(`Cannot retrieve output: Workflow instance is in status "${status.status}" but must be "complete" to have an output available`);
    }
    return status.output;
  };

  getError = async (): Promise<{ name: string; message: string }> => {
    const status = await this.status();
    if (status.status !== 'errored' || !status.error) {
      throw new Error(`Cannot retrieve error: Workflow instance is in status "${status.status}" but must be "errored" to have error information available`);
    }
    return { name: RPC_ERROR_NAMES.has(status.error.name) ? status.error.name : 'Error', message: status.error.message };
  };

  dispose = async (): Promise<void> => {
    for (const remove of this.removers.splice(0)) remove();
    try {
      const instance = (await this.target.load(this.ref))?.instance;
      if (instance && !FINISHED_STATUSES.has(instance.status)) {
        await (await this.target.runtime.workflow(this.ref.workflowName).get(this.ref.instanceId)).terminate();
      }
      await this.target.settle();
    } catch {
      // As Cloudflare's: disposing never fails a test.
    }
  };

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  private async status() {
    await this.target.settle();
    return (await this.target.runtime.workflow(this.ref.workflowName).get(this.ref.instanceId)).status();
  }

  private describe(): string {
    return `${this.ref.workflowName}/${this.ref.instanceId}`;
  }
}

class Introspector implements WorkflowIntrospector {
  private readonly removers: Array<() => void> = [];
  private readonly modifier: Modifier;
  private readonly instances = new Map<string, InstanceIntrospector>();
  private readonly startedAt: number;
  private disposed = false;

  constructor(private readonly target: IntrospectionTarget) {
    this.startedAt = target.created().length;
    this.modifier = new Modifier({ target, accept: (ref) => this.ids().has(ref.instanceId) }, this.removers);
  }

  modifyAll = async (fn: ModifierCallback): Promise<void> => {
    await fn(this.modifier);
  };

  get = async (): Promise<WorkflowInstanceIntrospector[]> => {
    await this.target.settle();
    for (const id of this.ids()) if (!this.instances.has(id)) this.instances.set(id, new InstanceIntrospector(this.target, id));
    return [...this.instances.values()];
  };

  dispose = async (): Promise<void> => {
    if (this.disposed) return;
    this.disposed = true;
    for (const remove of this.removers.splice(0)) remove();
    await this.get();
    await Promise.all([...this.instances.values()].map((instance) => instance.dispose()));
    this.instances.clear();
  };

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  /** Ids of this workflow's instances created since the introspector started. */
  private ids(): Set<string> {
    const ids = new Set<string>();
    for (const ref of this.target.created().slice(this.startedAt)) if (ref.workflowName === this.target.bindingName) ids.add(ref.instanceId);
    return ids;
  }
}

/** An introspector for the instance `instanceId` of `workflow` (a binding of a test environment), created or not yet. */
export async function introspectWorkflowInstance(workflow: Workflow<any, any>, instanceId: string): Promise<WorkflowInstanceIntrospector> {
  if (typeof instanceId !== 'string' || instanceId === '')
    throw new ValidationError('introspectWorkflowInstance instanceId', 'a non-empty instance id', instanceId);
  return new InstanceIntrospector(introspectionTargetOf(workflow, 'introspectWorkflowInstance workflow'), instanceId);
}

/** An introspector for every instance of `workflow` (a binding of a test environment) created from now on. */
export async function introspectWorkflow(workflow: Workflow<any, any>): Promise<WorkflowIntrospector> {
  return new Introspector(introspectionTargetOf(workflow, 'introspectWorkflow workflow'));
}
