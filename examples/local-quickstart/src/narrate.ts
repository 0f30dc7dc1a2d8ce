// Prints the journal as it is written: a store that reports each step record (attempt failures,
// outcomes, the start of sleeps and waits) before passing it on. Nothing here changes behaviour.
import { deserialize, observeSteps, type StepRecord, type WorkflowStore } from '@cairn/core';

export function narrateStore(store: WorkflowStore, say: (line: string) => void): WorkflowStore {
  return observeSteps(store, (step) => say(describe(step)));
}

function describe(step: StepRecord): string {
  const name = `"${step.name}"`;
  switch (step.state) {
    case 'attempt-failed':
      return `${name} attempt ${step.attempt} failed: ${step.error?.message}; retrying in ${(step.wakeAt ?? step.recordedAt) - step.recordedAt}ms`;
    case 'completed':
      if (step.kind === 'wait') return `${name} received event "${step.eventType}"`;
      if (step.chunks !== undefined) return `${name} completed on attempt ${step.attempt}, streaming ${step.chunks} piece(s)`;
      return `${name} completed on attempt ${step.attempt} in ${step.recordedAt - step.startedAt}ms -> ${JSON.stringify(deserialize(step.value ?? '-1'))}`;
    case 'failed':
      return `${name} failed after ${step.attempt} attempt(s): ${step.error?.message}`;
    case 'started':
      if (step.kind === 'sleep') {
        return `${name} sleeping ${((step.wakeAt ?? step.startedAt) - step.startedAt) / 1000}s: the instance suspends and the runner wakes it from the due index`;
      }
      return `${name} waiting for event "${step.eventType}"`;
    case 'chunk':
      return `${name} streamed piece ${step.chunk} recorded`;
  }
}
