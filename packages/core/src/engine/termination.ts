// terminate({ rollback: true }): the request is an internal event (so that a runner holding the instance sees
// it at its next write, as it sees any event), named for the generation it ends. Its type has a ':', which no
// user event type may have, so no waitForEvent can take it.

import { RECORD_VERSION, type EventRecord } from '../records.js';
import { deserialize, serialize } from '../serialize.js';
import { newEventId } from '../records.js';

const TERMINATE_EVENT_TYPE = 'cairn:terminate';

export function terminateRequest(now: number, generation: number): EventRecord {
  return { v: RECORD_VERSION, id: newEventId(now), type: TERMINATE_EVENT_TYPE, payload: serialize({ generation }), timestamp: now };
}

/** True when the events hold a terminate-with-rollback request for this generation (a restart starts clean). */
export function terminationRequested(events: readonly EventRecord[], generation: number): boolean {
  return events.some((event) => event.type === TERMINATE_EVENT_TYPE && deserialize<{ generation?: number }>(event.payload)?.generation === generation);
}

/** What rollback handlers receive as `error` when the instance was terminated. */
export function terminatedError(): Error {
  return Object.assign(new Error('The workflow instance was terminated'), { name: 'WorkflowTerminatedError' });
}
