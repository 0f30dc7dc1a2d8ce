// The events an instance received, as one list: those still in the journal and those its waits took (a wait's
// outcome holds its event, and a store may leave consumed events out). Internal requests (`cairn:terminate`)
// are not events a user sent, and are left out.

import { RECORD_VERSION, type EventRecord, type Journal } from '../records.js';

/** Internal event types carry a ':', which no user event type may hold. */
export function isInternalEventType(type: string): boolean {
  return type.includes(':');
}

/** Every user event of the journal's generation, in the order they were sent (timestamp, then id). */
export function receivedEvents(journal: Journal): EventRecord[] {
  const byId = new Map<string, EventRecord>();
  for (const event of journal.events) byId.set(event.id, event);
  for (const step of journal.steps) {
    if (step.kind !== 'wait' || step.state !== 'completed' || step.eventId === undefined || byId.has(step.eventId)) continue;
    if (step.value === undefined || step.eventTimestamp === undefined) continue;
    byId.set(step.eventId, { v: RECORD_VERSION, id: step.eventId, type: step.eventType ?? '', payload: step.value, timestamp: step.eventTimestamp });
  }
  return [...byId.values()]
    .filter((event) => !isInternalEventType(event.type))
    .sort((a, b) => a.timestamp - b.timestamp || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
