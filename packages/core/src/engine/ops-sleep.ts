// step.sleep / step.sleepUntil: fix the wake time in the journal when first reached, then wait for it.

import { parseDuration } from '../duration.js';
import { ValidationError } from '../errors.js';
import { assertStepName } from '../limits.js';
import { RECORD_VERSION } from '../records.js';
import type { ReplaySession } from './session.js';
import { NEVER } from './never.js';

export async function runSleep(session: ReplaySession, name: string, duration: unknown): Promise<void> {
  assertStepName(name);
  const ms = parseDuration(duration, `duration of step.sleep("${name}")`);
  const { key, index } = session.nextKey('sleep', name);
  await sleepTo(session, key, name, index, (now) => now + ms);
}

export async function runSleepUntil(session: ReplaySession, name: string, timestamp: unknown): Promise<void> {
  assertStepName(name);
  const until = timestamp instanceof Date ? timestamp.getTime() : timestamp;
  if (typeof until !== 'number' || !Number.isFinite(until)) {
    throw new ValidationError(`timestamp of step.sleepUntil("${name}")`, 'a Date or epoch milliseconds', timestamp);
  }
  const { key, index } = session.nextKey('sleep', name);
  await sleepTo(session, key, name, index, (now) => {
    if (until < now) throw new Error("You can't sleep until a time in the past, time-traveler");
    return until;
  });
}


async function sleepTo(session: ReplaySession, key: string, name: string, index: number, firstWakeAt: (now: number) => number): Promise<void> {
  // Failing or terminating: nothing new starts in `run()` (its rollbacks run instead).
  if (session.rollingBack) return NEVER;
  let start = session.starts.get(key);
  if (!start) {
    const now = session.now;
    start = await session.record({
      v: RECORD_VERSION,
      id: `${key}#start`,
      key,
      generation: session.instance.generation,
      kind: 'sleep',
      name,
      index,
      state: 'started',
      attempt: 0,
      startedAt: now,
      recordedAt: now,
      wakeAt: firstWakeAt(now),
      pausedTotalMs: session.instance.pausedTotalMs,
    });
  }
  // A pause that began after the sleep started extends it by the time spent paused.
  const shift = session.instance.pausedTotalMs - (start.pausedTotalMs ?? session.instance.pausedTotalMs);
  if (session.rollingBack) return NEVER;
  await session.waitUntil((start.wakeAt ?? 0) + shift, 'sleep');
}
