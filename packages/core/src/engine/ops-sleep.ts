// step.sleep / step.sleepUntil: fix the wake time in the journal when first reached, then wait for it.

import { parseDuration } from '../duration.js';
import { ValidationError } from '../errors.js';
import { assertStepName } from '../limits.js';
import { startedRecord } from '../journal/builders.js';
import type { StepScope } from './scope.js';
import { NEVER } from './never.js';

export async function runSleep(scope: StepScope, name: string, duration: unknown): Promise<void> {
  assertStepName(name);
  const ms = parseDuration(duration, `duration of step.sleep("${name}")`);
  const call = scope.nextKey('sleep', name);
  await sleepTo(scope, call.key, name, call.index, (now) => now + ms);
}

export async function runSleepUntil(scope: StepScope, name: string, timestamp: unknown): Promise<void> {
  assertStepName(name);
  const until = timestamp instanceof Date ? timestamp.getTime() : timestamp;
  if (typeof until !== 'number' || !Number.isFinite(until)) {
    throw new ValidationError(`timestamp of step.sleepUntil("${name}")`, 'a Date or epoch milliseconds', timestamp);
  }
  const call = scope.nextKey('sleep', name);
  await sleepTo(scope, call.key, name, call.index, (now) => {
    if (until < now) throw new Error("You can't sleep until a time in the past, time-traveler");
    return until;
  });
}

async function sleepTo(scope: StepScope, key: string, name: string, index: number, firstWakeAt: (now: number) => number): Promise<void> {
  scope.callStarted();
  try {
    await sleepUntilWake(scope, key, name, index, firstWakeAt);
  } finally {
    scope.callEnded();
  }
}

async function sleepUntilWake(scope: StepScope, key: string, name: string, index: number, firstWakeAt: (now: number) => number): Promise<void> {
  // Failing or terminating: nothing new starts in `run()` (its rollbacks run instead).
  if (scope.rollingBack) return NEVER;
  let start = scope.journal.starts.get(key);
  if (!start) {
    const now = scope.now;
    const identity = { key, kind: 'sleep' as const, name, index };
    start = await scope.record(startedRecord(identity, scope.generation, { at: now, wakeAt: firstWakeAt(now), pausedTotalMs: scope.pausedTotalMs }));
  }
  // A pause that began after the sleep started extends it by the time spent paused.
  const shift = scope.pausedTotalMs - (start.pausedTotalMs ?? scope.pausedTotalMs);
  if (scope.rollingBack) return NEVER;
  const wakeAt = (start.wakeAt ?? 0) + shift;
  await scope.waitUntil(wakeAt, 'sleep');
  if (scope.settings.onSleepEnd && scope.journal.maxIndex <= index) scope.settings.onSleepEnd(scope.ref, start, wakeAt);
}
