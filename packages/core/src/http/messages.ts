// Messages a remote scheduler delivers to a host (a Lambda async invoke, an EventBridge schedule, a Cloud
// Tasks HTTP request). Hosts validate every incoming message with these schemas before acting on it.

import { z } from 'zod';
import type { WakeRequest } from '../scheduler.js';
import { TraceParentSchema } from '../shared/trace-parent.js';

/** "Replay this instance": sent for one wake-up, named by (workflowName, instanceId, wakeSeq). */
export const WakeMessageSchema = z.object({
  kind: z.literal('cairn.wake'),
  workflowName: z.string().min(1),
  instanceId: z.string().min(1),
  /** The instance's `wakeSeq` when it asked for the wake-up; -1 for a sweeper's wake-up. */
  wakeSeq: z.number().int().min(-1),
  /** Epoch ms the wake-up is due; a host that gets it early may wait in process. */
  wakeAt: z.number().int().nonnegative(),
  /** The instance's incarnation: a delivery for an older one (the id was deleted and reused) is dropped. */
  incarnation: z.string().min(1).max(32).optional(),
  /** The instance's trace context (W3C traceparent), when telemetry recorded one: the host's span joins it. */
  trace: TraceParentSchema.optional(),
});
export type WakeMessage = z.infer<typeof WakeMessageSchema>;

/** "Replay every instance whose wake-up is due": a sweeper tick sent by a host's own timer or by hand. */
export const SweepMessageSchema = z.object({
  kind: z.literal('cairn.sweep'),
  /** At most this many instances per tick. @default 100 */
  limit: z.number().int().min(1).max(1000).optional(),
});
export type SweepMessage = z.infer<typeof SweepMessageSchema>;

/** The wake message for a wake request, as a scheduler puts it in a schedule, a task or an invoke. */
export function wakeMessage(wake: WakeRequest): WakeMessage {
  const message: WakeMessage = {
    kind: 'cairn.wake',
    workflowName: wake.workflowName,
    instanceId: wake.instanceId,
    wakeSeq: wake.wakeSeq,
    wakeAt: Math.max(0, Math.floor(wake.wakeAt)),
  };
  if (wake.incarnation !== undefined) message.incarnation = wake.incarnation;
  if (wake.trace !== undefined) message.trace = wake.trace;
  return message;
}
