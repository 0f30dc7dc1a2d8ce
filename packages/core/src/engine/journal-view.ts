// What a replay knows of the journal: recorded steps indexed by key (outcomes, failed attempts, starts,
// stream pieces) and the events, with the ones already consumed. Grows as the replay records.

import type { EventRecord, StepRecord } from '../records.js';
import { isKeyedEventId } from '../journal/keys.js';

export class JournalView {
  readonly outcomes = new Map<string, StepRecord>();
  readonly attempts = new Map<string, StepRecord[]>();
  readonly starts = new Map<string, StepRecord>();
  /** Pieces of streamed step results, by step key (see step-stream.ts); made on the first. */
  streamPieces: Map<string, StepRecord[]> | undefined;
  private readonly consumed = new Set<string>();

  private eventList: EventRecord[];

  constructor(steps: readonly StepRecord[], events: EventRecord[]) {
    for (const step of steps) this.add(step);
    this.eventList = inSendOrder(events);
  }

  get events(): readonly EventRecord[] {
    return this.eventList;
  }

  /** The highest call index among the records (a sleep passed with nothing after it is passed for the first time). */
  maxIndex = 0;

  /** Indexes a record read back or just written; a record already indexed (same id) is ignored. */
  add(step: StepRecord): void {
    if (step.index !== undefined && step.index > this.maxIndex) this.maxIndex = step.index;
    if (step.state === 'completed' || step.state === 'failed') {
      if (step.kind === 'wait' && step.eventId && !this.outcomes.has(step.key)) this.consumedCount++;
      this.outcomes.set(step.key, step);
      if (step.eventId) this.consumed.add(step.eventId);
    } else if (step.state === 'started') {
      this.starts.set(step.key, step);
    } else if (step.state === 'chunk') {
      this.streamPieces ??= new Map();
      const pieces = this.streamPieces.get(step.key);
      if (!pieces) this.streamPieces.set(step.key, [step]);
      else if (!pieces.some((existing) => existing.id === step.id)) pieces.push(step);
    } else {
      const list = this.attempts.get(step.key);
      if (list) {
        if (!list.some((existing) => existing.id === step.id)) list.push(step);
        list.sort((a, b) => a.attempt - b.attempt);
      } else this.attempts.set(step.key, [step]);
    }
  }

  /** Takes the journal's events as re-read; returns those not known before. */
  mergeEvents(events: EventRecord[]): EventRecord[] {
    const known = new Set(this.eventList.map((event) => event.id));
    const fresh = events.filter((event) => !known.has(event.id));
    if (fresh.length > 0) this.eventList = inSendOrder(events);
    return fresh;
  }

  /** First unconsumed event of `type`, marked consumed. */
  takeEvent(type: string): EventRecord | undefined {
    for (const event of this.eventList) {
      if (event.type === type && !this.consumed.has(event.id)) {
        this.consumed.add(event.id);
        return event;
      }
    }
    return undefined;
  }

  /** Events the journal's waits consumed (whether or not the store still returns them). */
  consumedCount = 0;

  hasEvent(type: string): boolean {
    return this.eventList.some((event) => event.type === type && !this.consumed.has(event.id));
  }

  /** The event a wait consumed (marked consumed again: a replayed wait). */
  consumedEvent(id: string): EventRecord | undefined {
    const event = this.eventList.find((candidate) => candidate.id === id);
    if (event) this.consumed.add(event.id);
    return event;
  }
}

/**
 * Events in the order they were sent: by timestamp, then send stamp. Generated ids are their own stamp (time, then
 * a counter), so this is id order for them; an event sent with an idempotency key (`k-<key>`) carries its stamp
 * in `order`.
 */
function inSendOrder(events: EventRecord[]): EventRecord[] {
  if (!events.some((event) => isKeyedEventId(event.id))) return events;
  const stamp = (event: EventRecord) => event.order ?? event.id;
  return [...events].sort((a, b) => a.timestamp - b.timestamp || (stamp(a) < stamp(b) ? -1 : stamp(a) > stamp(b) ? 1 : 0));
}
