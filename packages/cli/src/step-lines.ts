// One line per journal record, for progress while an instance runs.

import type { StepRecord } from '@cairn/core';
import { formatDuration } from './format.js';

export function describeStepRecord(step: StepRecord, now: number): string {
  const label = `${step.kind} ${step.name}`;
  switch (step.state) {
    case 'completed':
      if (step.kind === 'wait') return `${label}: received event "${step.eventType ?? '?'}"`;
      if (step.chunks !== undefined) return `${label}: completed, streamed ${step.chunks} piece${step.chunks === 1 ? '' : 's'}`;
      return `${label}: completed${step.attempt > 1 ? ` on attempt ${step.attempt}` : ''} (${formatDuration(step.recordedAt - step.startedAt)})`;
    case 'failed':
      if (step.kind === 'wait') return `${label}: timed out waiting for "${step.eventType ?? '?'}"`;
      return `${label}: failed after ${step.attempt} attempt${step.attempt === 1 ? '' : 's'}: ${step.error?.message ?? 'error'}`;
    case 'attempt-failed':
      return `${label}: attempt ${step.attempt} failed: ${step.error?.message ?? 'error'}; retrying in ${formatDuration((step.wakeAt ?? now) - now)}`;
    case 'started':
      if (step.kind === 'sleep') return `${label}: sleeping ${formatDuration((step.wakeAt ?? now) - step.startedAt)}`;
      return `${label}: waiting for event "${step.eventType ?? '?'}" (times out in ${formatDuration((step.wakeAt ?? now) - now)})`;
    case 'chunk':
      return `${label}: streamed piece ${step.chunk ?? 0} recorded`;
  }
}
