// The host's side of a fleet scheduler: wake-ups other processes publish are kept as timers (those due within
// the wake horizon) and, when due, claimed (a store with `claimDueInstances` hands each to one host) and replayed
// here; changes other processes announce reach the replays held here. A gap in listening is covered by a poll.

import { createTimerScheduler, type Clock, type Dispatcher, type Runtime, type Scheduler, type WakeRequest, type WakeSubscription } from '@cairn/core';
import type { NodeHostSettings } from './options.js';
import type { Poller } from './poller.js';

export interface FleetMembership {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function joinFleet(
  parts: {
    fleet: Scheduler;
    runtime: Pick<Runtime<any>, 'store' | 'changed'>;
    clock: Clock;
    dispatcher: Dispatcher;
    poller: Poller;
    onError(error: unknown, what: string): void;
  },
  settings: NodeHostSettings,
): FleetMembership {
  const { fleet, runtime, clock, dispatcher, poller } = parts;
  const store = runtime.store;
  const timers = createTimerScheduler({ clock, horizonMs: settings.wakeHorizonMs });
  let subscription: WakeSubscription | undefined;
  let running = false;

  /** A published wake-up, due now: one host claims it; a host without room leaves it to the due index. */
  const claimAndDeliver = async (wake: WakeRequest): Promise<void> => {
    if (!running) return;
    // Running here already: the dispatcher replays it once more afterwards.
    if (dispatcher.has(wake)) return dispatcher.deliver(wake);
    if (dispatcher.active >= settings.maxConcurrent) return;
    if (store.claimDueInstances) {
      const now = clock.now();
      const ref = { workflowName: wake.workflowName, instanceId: wake.instanceId };
      const claimed = await store.claimDueInstances({ now, limit: 1, ref, claimUntil: now + settings.claimMs });
      // Another host took it, or it is not due (any more): nothing to do here.
      if (claimed.length === 0) return;
    }
    await dispatcher.deliver(wake);
  };
  timers.attach!((wake) => claimAndDeliver(wake).catch((error: unknown) => parts.onError(error, `claim of ${wake.workflowName}/${wake.instanceId}`)));

  return {
    async start() {
      running = true;
      subscription = await fleet.subscribe!({
        wake: (wake) => void timers.schedule(wake),
        change: (ref, change) => runtime.changed(ref, change),
        resumed: () => poller.now(),
      });
    },
    async stop() {
      running = false;
      await subscription?.stop();
      await timers.close!();
    },
  };
}
