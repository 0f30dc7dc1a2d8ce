// Deterministic Cloud Tasks task ids: one per (workflowName, instanceId, incarnation, wakeSeq[, link]), so a
// retried `schedule` call names the same task and Cloud Tasks' de-duplication (ALREADY_EXISTS) makes it a
// no-op, while an id deleted and created again (a new incarnation) never meets a task name of the deleted one
// (Cloud Tasks refuses a name for about an hour after its task ran or was deleted).
// `link` numbers the early tasks of a wake-up beyond Cloud Tasks' horizon: core re-schedules an early
// wake-up under the same wakeSeq, so each link of the chain needs a name of its own.

import { createHash } from 'node:crypto';

/** Cloud Tasks' rule for the TASK_ID part of a task name. */
export const TASK_ID_PATTERN = /^[A-Za-z0-9_-]{1,500}$/;

const WORKFLOW_PART = /^[A-Za-z0-9_]+$/;
const INSTANCE_PART = /^[A-Za-z0-9_-]+$/;

/**
 * `<hash8>_<workflow>-<instance>-<seq>[-L<link>]` when the parts are task-id characters (readable in the
 * console), else `h_<sha256>`. The hash prefix spreads ids evenly, as Cloud Tasks asks (sequential
 * prefixes slow it down). The readable form is injective: the workflow part has no '-', the optional
 * link is the last segment and starts with 'L', and the sequence (digits, or `m1` for -1) precedes it.
 */
export function wakeTaskId(workflowName: string, instanceId: string, wakeSeq: number, link = 0, incarnation?: string): string {
  const digest = createHash('sha256')
    .update(`${workflowName}\u0000${instanceId}\u0000${wakeSeq}\u0000${link}${incarnation === undefined ? '' : `\u0000${incarnation}`}`)
    .digest('hex');
  const seq = (wakeSeq < 0 ? `m${-wakeSeq}` : String(wakeSeq)) + (link > 0 ? `-L${link}` : '');
  if (WORKFLOW_PART.test(workflowName) && INSTANCE_PART.test(instanceId) && (incarnation === undefined || INSTANCE_PART.test(incarnation))) {
    // The hash prefix covers every part (the incarnation included), so two different wake-ups never share an id.
    const readable = `${digest.slice(0, 8)}_${workflowName}-${instanceId}-${incarnation === undefined ? '' : `${incarnation}-`}${seq}`;
    if (readable.length <= 500) return readable;
  }
  return `h_${digest}`;
}
