// One line per journal record, for progress while an instance runs (core reads the record; this formats it).

import { describeStepRecord, type StepRecord } from '@cairn/core';
import { formatDuration } from './format.js';

export function describeStepLine(step: StepRecord, now: number): string {
  const event = describeStepRecord(step);
  const label = `${event.kind} ${event.name}`;
  switch (event.what) {
    case 'received':
      return `${label}: received event "${event.eventType}"`;
    case 'completed':
      if (event.streamedPieces !== null) return `${label}: completed, streamed ${event.streamedPieces} piece${event.streamedPieces === 1 ? '' : 's'}`;
      return `${label}: completed${event.attempt > 1 ? ` on attempt ${event.attempt}` : ''} (${formatDuration(event.durationMs)})`;
    case 'timed out':
      return `${label}: timed out waiting for "${event.eventType}"`;
    case 'failed':
      return `${label}: failed after ${event.attempt} attempt${event.attempt === 1 ? '' : 's'}: ${event.error.message}`;
    case 'attempt failed':
      return `${label}: attempt ${event.attempt} failed: ${event.error.message}; retrying in ${formatDuration(event.retryAt - now)}`;
    case 'sleeping':
      return `${label}: sleeping ${formatDuration(event.durationMs)}`;
    case 'waiting':
      return `${label}: waiting for event "${event.eventType}" (times out in ${formatDuration(event.timeoutAt - now)})`;
    case 'piece':
      return `${label}: streamed piece ${event.piece} recorded`;
  }
}
