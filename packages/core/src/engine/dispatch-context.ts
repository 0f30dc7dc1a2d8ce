// What a dispatcher's entrypoint (`@cairn/dynamic`) reads off the event of a run: the instance's dispatcher
// metadata and its pinned code version. Kept off the event's own keys (a symbol, not enumerable), so the event
// the tenant's code sees is Cloudflare's shape.

import type { InstanceRecord } from '../records.js';
import { deserialize } from '../serialize.js';

const DISPATCH_CONTEXT = Symbol.for('cairn.dispatch.context');

export interface DispatchContext {
  /** The metadata the instance was created with by a tagged binding, if any. */
  metadata: Record<string, unknown> | undefined;
  /** The code version the instance is pinned to, if the workflow has versions. */
  version: string | undefined;
}

export function attachDispatchContext(event: object, instance: InstanceRecord): void {
  let metadata: Record<string, unknown> | undefined;
  // Decoded on first read: most runs of tagged instances read it once, others never.
  const context = {
    get metadata() {
      return (metadata ??= instance.metadata === undefined ? undefined : deserialize<Record<string, unknown>>(instance.metadata));
    },
    version: instance.workflowVersion,
  } satisfies DispatchContext;
  Object.defineProperty(event, DISPATCH_CONTEXT, { value: context, enumerable: false });
}

/** The dispatch context of a run's event, or undefined for an event of an untagged, unversioned instance. */
export function dispatchContextOf(event: unknown): DispatchContext | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  return (event as Record<symbol, DispatchContext | undefined>)[DISPATCH_CONTEXT];
}
