// Instance refs as map keys: (workflowName, instanceId) joined by a character neither may contain.

import type { InstanceRef } from '../store.js';

/** A string that names one instance; distinct refs give distinct keys. */
export function refKey(ref: InstanceRef): string {
  return `${ref.workflowName}\u0000${ref.instanceId}`;
}

/** A plain `{ workflowName, instanceId }`, without whatever else the value carries. */
export function refOf(ref: InstanceRef): InstanceRef {
  return { workflowName: ref.workflowName, instanceId: ref.instanceId };
}
