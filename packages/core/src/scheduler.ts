// The wake-up port. A scheduler makes sure an instance is replayed at (or soon after) a time.

import type { InstanceRef } from './store.js';

export interface WakeRequest {
  workflowName: string;
  instanceId: string;
  /** Epoch ms; at or before now means "as soon as possible". */
  wakeAt: number;
  /** The instance's `wakeSeq` when it suspended: (instance, wakeSeq) names the wake-up. */
  wakeSeq: number;
  /**
   * The instance's incarnation (`InstanceRecord.incarnation`): part of the wake-up's name, so that an id deleted
   * and created again never collides with the deleted instance's wake-ups. Absent for instances without one and
   * for a sweeper's wake-ups (wakeSeq -1).
   */
  incarnation?: string;
  /** The instance's trace context (`InstanceRecord.trace`): a remote scheduler carries it in the wake message. */
  trace?: string;
}

/**
 * Invariants:
 * - `schedule` is idempotent per (workflowName, instanceId, incarnation, wakeSeq): calling it twice delivers at
 *   most one wake-up for that sequence number; a wake-up of another incarnation is another wake-up (a duplicate delivery is harmless, the engine fences it, but
 *   costs a replay).
 * - A delivered wake-up calls the runtime's replay (`runtime.replay(ref)`), in process through the
 *   handler given to `attach`, or remotely through a host (`@cairn/host-lambda`, `@cairn/host-cloud-run`).
 * - A lost wake-up is recovered by a sweeper that replays `store.listDueInstances`; schedulers should
 *   still deliver every wake-up, since the sweeper runs rarely.
 */
export interface Scheduler {
  readonly name: string;
  schedule(params: Readonly<WakeRequest>): Promise<void>;
  /** In-process schedulers deliver to this handler; remote schedulers omit the method. */
  attach?(deliver: (wake: WakeRequest) => Promise<void>): void;
  /**
   * Schedulers that reach every process of a fleet: tells them of a change to an instance (an event sent, a pause,
   * a termination asked), so that the process whose replay holds the instance in place hears it now rather than
   * at its replay's next write. The runtime calls it after its own process was told; a failure is reported only.
   */
  announce?(ref: InstanceRef, change: InstanceChange): Promise<void>;
  /**
   * Fleet schedulers: receives what every process schedules and announces (a host of the fleet subscribes).
   * Resolves once listening; the subscription's `stop` ends it.
   */
  subscribe?(subscriber: WakeSubscriber): Promise<WakeSubscription>;
  close?(): Promise<void>;
}

/** A change to an instance that a replay holding it must hear (it re-reads the instance). */
export type InstanceChange = 'event' | 'pause' | 'resume' | 'terminate';

export interface WakeSubscriber {
  /** A wake-up some process scheduled: the host claims the instance when it is due, and replays it. */
  wake(wake: WakeRequest): void;
  /** A change some other process announced (`runtime.changed`). */
  change(ref: InstanceRef, change: InstanceChange): void;
  /** Listening again after a gap (a dropped connection): what was published meanwhile is lost, so poll now. */
  resumed(): void;
}

export interface WakeSubscription {
  stop(): Promise<void>;
}
