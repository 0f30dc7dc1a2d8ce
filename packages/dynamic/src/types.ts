// The types of Cloudflare's @cloudflare/dynamic-workflows, on Cairn's WorkflowEvent, WorkflowStep and context.

import type { WorkflowEvent, WorkflowExecutionContext, WorkflowStep } from '@cairn/core';

/**
 * What the dispatcher attaches to every instance a wrapped binding creates (a tenant id, routing keys, a worker
 * name): any serializable plain object. Cairn stores it beside the params, never inside them.
 */
export type DispatcherMetadata = Record<string, unknown>;

/** Something with `run(event, step)`: a tenant's workflow class instance, or what a loader made of its code. */
export interface WorkflowRunner<T = unknown, R = unknown> {
  run(event: WorkflowEvent<T>, step: WorkflowStep): Promise<R>;
}

/** What a loader is told for each run of an instance. */
export interface LoadWorkflowRunnerContext<Env = unknown> {
  /** The metadata the instance was created with (by `wrapWorkflowBinding`). */
  metadata: DispatcherMetadata;
  /** The dispatcher's own env (its bindings). */
  env: Env;
  ctx: WorkflowExecutionContext;
  /**
   * Cairn: the code version the instance is pinned to, when the dispatcher's registration has `currentVersion`
   * (`createTenantLoader` gives one). Load that version's code, never another.
   */
  version?: string;
}

/** The dispatcher's loader: the runner for this instance's tenant (and version). */
export type LoadWorkflowRunner<Env = unknown, T = unknown, R = unknown> = (
  context: LoadWorkflowRunnerContext<Env>,
) => Promise<WorkflowRunner<T, R>> | WorkflowRunner<T, R>;
