// An instance as `list`, `describe` and the control commands show it.

import type { InstanceRecord } from '@cairn/core';
import { decodeStored, isoTime } from '../format.js';

export interface InstanceSummary {
  workflow: string;
  id: string;
  status: InstanceRecord['status'];
  createdAt: string | null;
  updatedAt: string | null;
  finishedAt: string | null;
  error: InstanceRecord['error'];
}

export function summarize(instance: InstanceRecord): InstanceSummary {
  return {
    workflow: instance.workflowName,
    id: instance.instanceId,
    status: instance.status,
    createdAt: isoTime(instance.createdAt),
    updatedAt: isoTime(instance.updatedAt),
    finishedAt: isoTime(instance.finishedAt),
    error: instance.error,
  };
}

export function details(instance: InstanceRecord) {
  return {
    ...summarize(instance),
    params: decodeStored(instance.params),
    output: decodeStored(instance.output),
    generation: instance.generation,
    wakeAt: isoTime(instance.wakeAt),
    recoveries: instance.recoveries,
    ...(instance.workflowVersion === undefined ? {} : { version: instance.workflowVersion }),
  };
}

export function writeJson(write: (text: string) => void, value: unknown): void {
  write(`${JSON.stringify(value, null, 2)}\n`);
}
