// The dispatcher's entrypoint: each run reads the instance's metadata (and pinned version), asks the loader for
// the tenant's runner, and forwards run(event, step) to it with the tenant's own event.

import { dispatchContextOf, WorkflowEntrypoint, type WorkflowClass, type WorkflowEvent, type WorkflowExecutionContext, type WorkflowStep } from '@cairn/core';
import type { DispatcherMetadata, LoadWorkflowRunner } from './types.js';

/** The run's instance was not created through a wrapped binding (Cloudflare's error, name and words). */
export class MissingDispatcherMetadataError extends Error {
  constructor() {
    super('dynamic-workflows: workflow event is missing dispatcher metadata. Did you forget to wrap the Workflow binding with wrapWorkflowBinding()?');
    this.name = 'MissingDispatcherMetadataError';
  }
}

/** Cloudflare's envelope (`{ __dispatcherMetadata, params }`): instances created by its library, read for a port. */
function unwrapEnvelope(payload: unknown): { metadata: DispatcherMetadata; params: unknown } | null {
  if (payload !== null && typeof payload === 'object' && '__dispatcherMetadata' in payload && 'params' in payload) {
    const envelope = payload as { __dispatcherMetadata: DispatcherMetadata; params: unknown };
    return { metadata: envelope.__dispatcherMetadata, params: envelope.params };
  }
  return null;
}

/**
 * Cloudflare's `dispatchWorkflow`: the shared body of a dispatcher's `run()`, for a dispatcher that writes its own
 * `WorkflowEntrypoint` subclass. The runner gets `{ payload, timestamp, instanceId }` as on Cloudflare.
 */
export async function dispatchWorkflow<Env, Params, Result>(
  context: { env: Env; ctx: WorkflowExecutionContext },
  event: WorkflowEvent<unknown>,
  step: WorkflowStep,
  loadRunner: LoadWorkflowRunner<Env, Params, Result>,
): Promise<Result> {
  const dispatch = dispatchContextOf(event);
  const found = dispatch?.metadata !== undefined ? { metadata: dispatch.metadata, params: event.payload } : unwrapEnvelope(event.payload);
  if (found === null) throw new MissingDispatcherMetadataError();
  const inner = { payload: found.params as Params, timestamp: event.timestamp, instanceId: event.instanceId } as WorkflowEvent<Params>;
  const runner = await loadRunner({
    metadata: found.metadata,
    env: context.env,
    ctx: context.ctx,
    ...(dispatch?.version === undefined ? {} : { version: dispatch.version }),
  });
  return runner.run(inner, step);
}

/**
 * Cloudflare's `createDynamicWorkflowEntrypoint`: a WorkflowEntrypoint class whose `run()` loads the tenant's
 * runner for each run and forwards to it. Register it as the dispatcher's workflow (with `currentVersion` from
 * `createTenantLoader` to pin each instance to the code version that started it).
 */
export function createDynamicWorkflowEntrypoint<Env = unknown, Params = unknown, Result = unknown>(
  loadRunner: LoadWorkflowRunner<Env, Params, Result>,
): WorkflowClass<Env, Params> {
  class DynamicWorkflowEntrypoint extends WorkflowEntrypoint<Env, Params> {
    async run(event: Readonly<WorkflowEvent<Params>>, step: WorkflowStep): Promise<Result> {
      return dispatchWorkflow({ env: this.env, ctx: this.ctx }, event as WorkflowEvent<unknown>, step, loadRunner);
    }
  }
  return DynamicWorkflowEntrypoint;
}
