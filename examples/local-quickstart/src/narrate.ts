// Narrates the journal as it is written, from the runtime's lifecycle hooks: each step record (attempt
// failures, outcomes, the start of sleeps and waits) once the store has it. Core reads
// each record (`describeStepRecord`); this says it in the demo's words. Nothing here changes behaviour.
import { describeStepRecord, type RuntimeHooks, type StepRecord } from '@cairn/core';

export function narrationHooks(say: (line: string) => void): RuntimeHooks {
  return {
    onStepStart: ({ record }) => record && say(describe(record)),
    onStepEnd: ({ record }) => say(describe(record)),
  };
}

function describe(step: StepRecord): string {
  const event = describeStepRecord(step);
  const name = `"${event.name}"`;
  switch (event.what) {
    case 'attempt failed':
      return `${name} attempt ${event.attempt} failed: ${event.error.message}; retrying in ${event.retryAt - step.recordedAt}ms`;
    case 'received':
      return `${name} received event "${event.eventType}"`;
    case 'completed':
      if (event.streamedPieces !== null) return `${name} completed on attempt ${event.attempt}, streaming ${event.streamedPieces} piece(s)`;
      return `${name} completed on attempt ${event.attempt} in ${event.durationMs}ms -> ${JSON.stringify(event.output())}`;
    case 'failed':
      return `${name} failed after ${event.attempt} attempt(s): ${event.error.message}`;
    case 'timed out':
      return `${name} timed out waiting for event "${event.eventType}"`;
    case 'sleeping':
      return `${name} sleeping ${event.durationMs / 1000}s: the instance suspends and the runner wakes it from the due index`;
    case 'waiting':
      return `${name} waiting for event "${event.eventType}"`;
    case 'piece':
      return `${name} streamed piece ${event.piece} recorded`;
  }
}
