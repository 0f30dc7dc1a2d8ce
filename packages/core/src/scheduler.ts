// The wake-up port. A scheduler makes sure an instance is replayed at (or soon after) a time.

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
  close?(): Promise<void>;
}
