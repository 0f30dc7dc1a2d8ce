// Schedule names and expressions as EventBridge Scheduler takes them.
//
// A name is derived only from (workflowName, instanceId, wakeSeq), so a retried `schedule` call names the
// same schedule and EventBridge refuses the duplicate (ConflictException). Names are 1-64 characters of
// [0-9a-zA-Z-_.]. Two forms that can never collide:
//   <prefix>.w.<workflowName>.<instanceId>.<wakeSeq>   when that fits and every character is allowed
//                                                      (instance ids and numbers have no '.', so it
//                                                      parses unambiguously from the right);
//   <prefix>.h.<sha256 of workflowName NUL instanceId, 32 hex>.<wakeSeq>   otherwise.

import { createHash } from 'node:crypto';

const NAME_PATTERN = /^[0-9a-zA-Z\-_.]{1,64}$/;

export function scheduleName(prefix: string, workflowName: string, instanceId: string, wakeSeq: number): string {
  const readable = `${prefix}.w.${workflowName}.${instanceId}.${wakeSeq}`;
  if (NAME_PATTERN.test(readable)) return readable;
  const hash = createHash('sha256').update(`${workflowName}\u0000${instanceId}`).digest('hex').slice(0, 32);
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
