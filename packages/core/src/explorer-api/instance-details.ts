// An instance as Cloudflare's local explorer API describes it (`GET /workflows/:name/instances/:id`): status,
// params, times, output or error, and its steps (`step` with attempts and config, `sleep`, `waitForEvent`) named
// with their occurrence (`charge-1`), read from core's step timeline.

import { receivedEvents } from '../journal/events.js';
import { buildStepTimeline, type StepTimelineEntry } from '../journal/timeline.js';
import type { Journal } from '../records.js';
import { deserialize } from '../serialize.js';
import type { RunningAttempt } from './running.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : iso(ms));

/** Cloudflare's defaults, for a step whose config was not recorded (wrangler reads `config.retries.delay`). */
const DEFAULT_CONFIG = { retries: { limit: 5, delay: 10_000, backoff: 'exponential' }, timeout: '10 minutes' };

export function explorerInstanceDetails(journal: Journal, now: number, running: readonly RunningAttempt[] = []) {
  const { instance } = journal;
  const timeline = buildStepTimeline(journal, now);
  // Rollbacks have no type in Cloudflare's shape: they are listed apart (`rollbacks`), as are the events received.
  const steps = withRunning(timeline.filter((entry) => entry.kind !== 'rollback').map(explorerStep), running);
  const rollbacks = timeline.filter((entry) => entry.kind === 'rollback').map((entry) => ({ ...explorerStep(entry), type: 'rollback' }));
  const firstStart = timeline.length > 0 ? Math.min(...timeline.map((entry) => entry.startedAt)) : null;
  return {
    status: instance.status,
    params: deserialize(instance.params),
    queued: iso(instance.createdAt),
    start: isoOrNull(firstStart ?? (instance.status === 'queued' ? null : instance.updatedAt)),
    end: isoOrNull(instance.finishedAt),
    output: instance.output === null ? null : deserialize(instance.output),
    error: instance.error ? { name: instance.error.name, message: instance.error.message } : null,
    steps,
    step_count: steps.length,
    // Cairn's additions (wrangler reads none):
    ...(instance.workflowVersion === undefined ? {} : { version: instance.workflowVersion }),
    rollbacks,
    events: receivedEvents(journal).map((event) => ({ type: event.type, timestamp: iso(event.timestamp), payload: deserialize(event.payload) })),
  };
}

function explorerStep(entry: StepTimelineEntry): Record<string, unknown> {
  const name = `${entry.name}-${entry.count}`;
  const start = iso(entry.startedAt);
  const end = isoOrNull(entry.endedAt);
  if (entry.kind === 'sleep') return { name, type: 'sleep', start, end: entry.state === 'slept' ? end : null, finished: entry.state === 'slept', error: null };
  if (entry.kind === 'wait') {
    const finished = entry.state === 'received' || entry.state === 'timed out';
    return {
      name,
      type: 'waitForEvent',
      start,
      end: finished ? end : null,
      finished,
      event_type: entry.eventType,
      error: entry.state === 'timed out' ? entry.error : null,
      output: entry.event ? { type: entry.event.type, payload: entry.output ?? null, timestamp: iso(entry.event.timestamp) } : null,
    };
  }
  const config = entry.config ? configOf(entry) : DEFAULT_CONFIG;
  return {
    name,
    type: 'step',
    start,
    end: entry.state === 'completed' || entry.state === 'failed' ? end : null,
    success: entry.state === 'completed' ? true : entry.state === 'failed' ? false : null,
    ...(entry.output !== undefined ? { output: entry.output } : {}),
    config,
    attempts: entry.attemptList.map((attempt) => ({
      start: isoOrNull(attempt.startedAt),
      end: iso(attempt.endedAt),
      success: attempt.outcome === 'completed',
      error: attempt.error,
    })),
  };
}

/** The attempts running now (known to this process only): added to their steps, or as steps not recorded yet. */
function withRunning(steps: Array<Record<string, unknown>>, running: readonly RunningAttempt[]): Array<Record<string, unknown>> {
  for (const attempt of running) {
    const name = `${attempt.name}-${attempt.count}`;
    const live = { start: iso(attempt.startedAt), end: null, success: null, error: null };
    const step = steps.find((candidate) => candidate.type === 'step' && candidate.name === name);
    if (step && step.success === null) (step.attempts as unknown[]).push(live);
    else if (!step) steps.push({ name, type: 'step', start: live.start, end: null, success: null, config: DEFAULT_CONFIG, attempts: [live] });
  }
  return steps;
}

function configOf(entry: StepTimelineEntry) {
  const { retries, timeout } = entry.config!;
  // A delay computed by a function: the gap the engine chose before the next attempt, when known.
  const last = entry.attemptList.at(-1);
  const delay = retries.delay === 'function' ? (last?.retryAt ? Math.max(0, last.retryAt - last.endedAt) : 0) : retries.delay;
  return { retries: { limit: retries.limit, delay, backoff: retries.backoff }, timeout };
}
