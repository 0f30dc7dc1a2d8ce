// The wrapped Workflow binding: every create / createBatch tags the instance with the dispatcher's metadata
// (stored beside the params), and the binding sees only its own tenant's instances.
//
// Cloudflare finds the dispatcher's real binding through its platform (a `DynamicWorkflowBinding` entrypoint and
// `bindingName`); Cairn takes the binding, or the runtime and the binding's name, as an option.

import { tagBinding, ValidationError, type Runtime, type Workflow } from '@cairn/core';
import type { DispatcherMetadata } from './types.js';

export interface WrapWorkflowBindingOptions {
  /** The dispatcher's binding to wrap: `runtime.workflow(name)`, or `this.env.NAME` inside a workflow. */
  binding?: Workflow;
  /** Or the runtime that holds it, with `bindingName`. */
  runtime?: Pick<Runtime, 'workflow' | 'workflowNames'>;
  /** The binding's name in the runtime (Cloudflare's option). @default 'WORKFLOWS' */
  bindingName?: string;
}

/**
 * A Workflow binding whose `create` / `createBatch` tag each new instance with `metadata`, as Cloudflare's. The
 * tenant's `event.payload` is exactly the params it passed, and `status()` never shows the metadata. Scoped:
 * `get` and `deleteBatch` of an instance created with other metadata behave as "not found" (instance ids are
 * shared by every tenant of the workflow: an id another tenant holds is refused as taken).
 */
export function wrapWorkflowBinding(metadata: DispatcherMetadata, options: WrapWorkflowBindingOptions = {}): Workflow {
  return tagBinding(dispatcherBinding(options), metadata);
}

function dispatcherBinding(options: WrapWorkflowBindingOptions): Workflow {
  if (options.binding) return options.binding;
  const bindingName = options.bindingName ?? 'WORKFLOWS';
  if (!options.runtime) {
    throw new ValidationError(
      'wrapWorkflowBinding options',
      "{ binding } (the dispatcher's Workflow binding) or { runtime, bindingName? }: Cairn has no platform to find the binding through",
      options,
    );
  }
  if (!options.runtime.workflowNames.includes(bindingName)) {
    throw new ValidationError('wrapWorkflowBinding bindingName', `a workflow of the runtime (${options.runtime.workflowNames.join(', ')})`, bindingName);
  }
  return options.runtime.workflow(bindingName);
}

/**
 * Cloudflare's `DynamicWorkflowBinding`, as a class over a binding: `new DynamicWorkflowBinding(binding, metadata)`
 * is `wrapWorkflowBinding(metadata, { binding })`. A dispatcher that re-exports it keeps compiling; Cairn needs no
 * such export.
 */
export class DynamicWorkflowBinding implements Workflow {
  readonly #binding: Workflow;

  constructor(binding: Workflow, metadata: DispatcherMetadata) {
    this.#binding = tagBinding(binding, metadata);
  }

  create(...args: Parameters<Workflow['create']>) {
    return this.#binding.create(...args);
  }

  createBatch(...args: Parameters<Workflow['createBatch']>) {
    return this.#binding.createBatch(...args);
  }

  get(id: string) {
    return this.#binding.get(id);
  }

  deleteBatch(ids: string[]) {
    return this.#binding.deleteBatch(ids);
  }
}
