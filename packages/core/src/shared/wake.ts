// The wake request for an instance record at a time: its ref, wake sequence, incarnation and trace, named once.

import type { InstanceRecord } from '../records.js';
import type { WakeRequest } from '../scheduler.js';

export function wakeOf(instance: Pick<InstanceRecord, 'workflowName' | 'instanceId' | 'wakeSeq' | 'incarnation' | 'trace'>, wakeAt: number): WakeRequest {
  const wake: WakeRequest = { workflowName: instance.workflowName, instanceId: instance.instanceId, wakeAt, wakeSeq: instance.wakeSeq };
  if (instance.incarnation !== undefined) wake.incarnation = instance.incarnation;
  if (instance.trace !== undefined) wake.trace = instance.trace;
  return wake;
}
