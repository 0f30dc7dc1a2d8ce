// Lease renewal for every replay of a runtime on one timer. A replay must renew its lease well before it
// expires; a timer per replay would cost more than many short replays do themselves.

import type { Clock } from '../clock.js';

export interface HeartbeatMember {
  /** When this member next needs a renewal (epoch ms). */
  nextBeatAt: number;
  /** Renews; resolves when done (the next renewal is planned from then). */
  beat(): Promise<void>;
}

export interface Heartbeat {
  add(member: HeartbeatMember): void;
  delete(member: HeartbeatMember): void;
}

/**
 * Ticks every `tickMs` while it has members and renews each member at the first tick at or after its
 * `nextBeatAt`, so a renewal is at most one tick late; after a renewal the next is planned `tickMs * 2` on.
 */
export function createHeartbeat(clock: Clock, tickMs: number): Heartbeat {
  const everyMs = tickMs * 2;
  const members = new Set<HeartbeatMember>();
  const beating = new Set<HeartbeatMember>();
  let armed = false;

  const tick = () => {
    armed = false;
    const now = clock.now();
    for (const member of members) {
      if (member.nextBeatAt > now || beating.has(member)) continue;
      beating.add(member);
      void member.beat().finally(() => {
        beating.delete(member);
        member.nextBeatAt = clock.now() + everyMs;
      });
    }
    if (members.size > 0) arm();
  };
  // A background timer, left to run out when the last member leaves: replays come and go far more often
  // than the heartbeat ticks, and re-arming for each would cost a timer per replay.
  const arm = () => {
    armed = true;
    clock.setTimer(tick, tickMs, { background: true });
  };

  return {
    add(member) {
      members.add(member);
      if (!armed) arm();
    },
    delete(member) {
      members.delete(member);
    },
  };
}
