// Options of createNodeHost, validated once in the factory, with their defaults in plain view.

import { z } from 'zod';
import type { Runtime, RuntimeOptions, Scheduler, WorkflowRegistrations } from '@cairn/core';

export const NodeHostSettingsSchema = z.object({
  /** How often the due-wake-up index is read (one indexed query). Bounds the lateness of wake-ups that another process scheduled or that a crash left behind. @default 20 */
  pollIntervalMs: z.number().int().min(1).default(20),
  /** Each poll also reads wake-ups due within this long and arms exact timers for them, so a sleeper scheduled by any process wakes on time rather than at the next poll. @default 50 */
  lookaheadMs: z.number().int().min(0).default(50),
  /** Wake-ups due within this long are also kept as in-process timers (exact to the millisecond); later ones stay in the store only and the poll finds them. @default 1000 */
  wakeHorizonMs: z.number().int().min(0).default(1_000),
  /** Replays this host runs at once; more due instances wait in the store. @default 256 */
  maxConcurrent: z.number().int().min(1).default(256),
  /** Due instances read per poll (a page; the next poll reads the next). @default 128 */
  batchSize: z.number().int().min(1).default(128),
  /** Each replay stops starting new steps after this long and is replayed again, so `stop()` waits at most about this long plus a running step. @default 10000 */
  sliceMs: z.number().int().min(100).default(10_000),
  /** Stop cleanly on SIGTERM and SIGINT, then re-raise the signal. @default true */
  handleSignals: z.boolean().default(true),
  /** Close the store when the host stops. @default true */
  closeStore: z.boolean().default(true),
  /**
   * A scheduler every process of a fleet shares (`createPostgresScheduler` from @cairn/store-postgres): the host
   * subscribes to it, so a wake-up any process schedules is claimed and replayed by one host when it is due, and a
   * change announced anywhere (an event, a pause) reaches a replay held here at once. Without it hosts on one store
   * still share the work, through the due index only (each poll). @default none
   */
  scheduler: z
    .custom<Scheduler>(
      (value) => typeof value === 'object' && value !== null && typeof (value as Scheduler).subscribe === 'function',
      'a fleet scheduler: an object with subscribe() (createPostgresScheduler)',
    )
    .optional(),
  /**
   * How long a due instance this host claims (on a store with `claimDueInstances`, such as Postgres) is left out
   * of other hosts' claims: time to take its lease. A host that dies holding a claim leaves the instance due again
   * this long after. @default 250
   */
  claimMs: z.number().int().min(1).default(250),
});

/**
 * The host's default for the runtime's `maxInProcessWaitMs` when it builds the runtime: sleeps, event waits and
 * retry delays up to this long keep `run()` going in place (the instance reads `waiting` meanwhile); longer ones
 * suspend it. Set `maxInProcessWaitMs` to change it.
 */
export const NODE_HOST_MAX_IN_PROCESS_WAIT_MS = 60_000;

export type NodeHostSettings = z.output<typeof NodeHostSettingsSchema>;
export const NODE_HOST_SETTING_KEYS = Object.keys(NodeHostSettingsSchema.shape);

export type NodeHostOptions<Env extends object = Record<string, unknown>, W extends WorkflowRegistrations = any> = z.input<typeof NodeHostSettingsSchema> &
  (
    | (Omit<RuntimeOptions<Env, W>, 'scheduler'> & { runtime?: undefined })
    | {
        /**
         * A runtime you built. Its own scheduler keeps delivering the wake-ups it scheduled; the host adds the
         * due-index poll and recovery. Without it the host builds the runtime with in-process timers that keep
         * only near wake-ups in memory (`host.runtime`).
         */
        runtime: Runtime<Env, W>;
      }
  );
