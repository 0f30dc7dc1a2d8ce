// An instance's public status, as `instance.status()`, the testkit and the REST API report it: one definition.

import type { ErrorSummary, InstanceRecord, InstanceStatusName, RollbackSummary } from '../records.js';
import { deserialize } from '../serialize.js';

export interface InstanceStatus<Output = unknown> {
  status: InstanceStatusName;
  error?: ErrorSummary;
  /** What `run()` returned, once complete. */
  output?: Output;
  /** Present when step rollbacks ran because the instance failed or was terminated with rollback (Cloudflare's shape). */
  rollback?: RollbackSummary;
  /** Cairn: the code version the instance is pinned to (a workflow with `versions`, or a dynamic loader's). */
  version?: string;
}

/** The status of a stored instance: output decoded, the rollback summary lifted out of the error. */
export function instanceStatusOf(instance: InstanceRecord): InstanceStatus {
  const status: InstanceStatus = { status: instance.status };
  if (instance.error) {
    // A terminated instance keeps an error only to hold its rollback summary.
    const { rollback, ...error } = instance.error;
    if (instance.status !== 'terminated') status.error = error;
    if (rollback) status.rollback = { ...rollback, error: rollback.error ? { ...rollback.error } : null };
  }
  if (instance.output !== null) status.output = deserialize(instance.output);
  if (instance.workflowVersion !== undefined) status.version = instance.workflowVersion;
  return status;
}
