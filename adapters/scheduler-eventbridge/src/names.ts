// Schedule names and expressions as EventBridge Scheduler takes them.
//
// A name is derived only from (workflowName, instanceId, incarnation, wakeSeq), so a retried `schedule` call
// names the same schedule and EventBridge refuses the duplicate (ConflictException), while an id deleted and
// created again (a new incarnation) never meets the deleted instance's schedules. Names are 1-64 characters of
// [0-9a-zA-Z-_.]. Forms that can never collide:
//   <prefix>.w.<workflowName>.<instanceId>.<wakeSeq>                 no incarnation (older instances)
//   <prefix>.v.<workflowName>.<instanceId>.<incarnation>.<wakeSeq>   when that fits and every character is
//                                                      allowed (ids, incarnations and numbers have no '.', so
//                                                      it parses unambiguously from the right);
//   <prefix>.h.<sha256 of workflowName NUL instanceId NUL incarnation, 32 hex>.<wakeSeq>   otherwise.

import { createHash } from 'node:crypto';

const NAME_PATTERN = /^[0-9a-zA-Z\-_.]{1,64}$/;

export function scheduleName(prefix: string, workflowName: string, instanceId: string, wakeSeq: number, incarnation?: string): string {
  const readable =
    incarnation === undefined ? `${prefix}.w.${workflowName}.${instanceId}.${wakeSeq}` : `${prefix}.v.${workflowName}.${instanceId}.${incarnation}.${wakeSeq}`;
  if (NAME_PATTERN.test(readable)) return readable;
  const hash = createHash('sha256')
    .update(`${workflowName}\u0000${instanceId}${incarnation === undefined ? '' : `\u0000${incarnation}`}`)
    .digest('hex')
    .slice(0, 32);
  return `${prefix}.h.${hash}.${wakeSeq}`;
}

/**
 * `at(yyyy-mm-ddThh:mm:ss)` in UTC. Rounded up to the next whole second, so a schedule never fires
 * before the wake-up is due (EventBridge Scheduler fires within the minute after that time).
 */
export function atExpression(wakeAt: number): string {
  const seconds = Math.ceil(wakeAt / 1000) * 1000;
  return `at(${new Date(seconds).toISOString().slice(0, 19)})`;
}
