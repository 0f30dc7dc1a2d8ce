// The due-index poller: each tick reads a page of instances whose wake-up is due (sleepers, instances created
// elsewhere, instances whose runner died: their `wakeAt` is their lease expiry), replays those due now and arms
// exact timers for those due within the look-ahead. A page at a time, as room allows.

import type { Clock, Dispatcher, Scheduler, WorkflowStore } from '@cairn/core';
import type { NodeHostSettings } from './options.js';

export interface Poller {
  /** Polls now, then every `pollIntervalMs` (sooner while a backlog remains). Resolves after the first poll. */
  start(): Promise<void>;
  /** Polls soon (a replay ended and there is room). */
  soon(): void;
  /** Polls now (a fleet scheduler stopped listening for a while: what it published meanwhile is lost). */
  now(): void;
  /** Stops polling; resolves once a poll in progress is over. */
  stop(): Promise<void>;
}

/**
 * A page of instances due now or within the look-ahead. Many hosts on one store take disjoint claims; otherwise
 * the page reads past the instances this host is about to acquire (still due) and the leases decide.
 */
async function readDue(store: WorkflowStore, now: number, limit: number, active: number, settings: NodeHostSettings) {
  const horizon = now + settings.lookaheadMs;
  if (store.claimDueInstances) return { due: await store.claimDueInstances({ now: horizon, limit, claimUntil: horizon + settings.claimMs }), fetched: limit };
  const fetched = limit + active;
  return { due: await store.listDueInstances({ now: horizon, limit: fetched }), fetched };
}

export function createPoller(
  parts: { store: WorkflowStore; clock: Clock; dispatcher: Dispatcher; timers: Scheduler; onError(error: unknown): void },
  settings: NodeHostSettings,
): Poller {
  const { store, clock, dispatcher, timers } = parts;
  let running = false;
  let cancelTimer: (() => void) | undefined;
  let polling: Promise<void> | undefined;
  let backlog = false;

  /** One tick: read a page of due instances and start those not already running here. */
  const poll = async (): Promise<number> => {
    const room = settings.maxConcurrent - dispatcher.active;
    backlog = false;
    if (room <= 0) {
      backlog = true;
      return 0;
    }
    const limit = Math.min(room, settings.batchSize);
    const now = clock.now();
    const { due, fetched } = await readDue(store, now, limit, dispatcher.active, settings);
    let started = 0;
    for (const ref of due) {
      if (!running || started >= limit) break;
      const wake = { workflowName: ref.workflowName, instanceId: ref.instanceId, wakeAt: ref.wakeAt, wakeSeq: -1 };
      // Due within the look-ahead: a timer delivers it exactly on time.
      if (ref.wakeAt > now) await timers.schedule(wake);
      else if (!dispatcher.has(ref)) {
        void dispatcher.deliver(ref);
        started++;
      }
    }
    if (due.length >= fetched || started >= limit) backlog = true;
    return started;
  };

  const schedule = (delay: number) => {
    if (!running || polling) return;
    cancelTimer?.();
    cancelTimer = clock.setTimer(tick, delay);
  };

  const tick = () => {
    cancelTimer = undefined;
    if (!running || polling) return;
    polling = poll()
      .catch((error: unknown) => {
        parts.onError(error);
        return 0;
      })
      .then((started) => {
        polling = undefined;
        // More is due and there is room: read the next page now rather than after a full interval.
        schedule(backlog && started > 0 && dispatcher.active < settings.maxConcurrent ? 0 : settings.pollIntervalMs);
      });
  };

  return {
    async start() {
      running = true;
      tick();
      await polling;
    },
    soon() {
      if (backlog) schedule(0);
    },
    now() {
      schedule(0);
    },
    async stop() {
      running = false;
      cancelTimer?.();
      cancelTimer = undefined;
      await polling;
    },
  };
}
