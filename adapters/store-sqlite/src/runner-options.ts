// Options of createLocalRunner, validated once in the factory.

import { z } from 'zod';
import { AdapterError, type Runtime, type RuntimeOptions } from '@cairn/core';

const RunnerSettingsSchema = z.object({
  /** How often the due-wake-up index is read (one indexed query). Bounds the lateness of wake-ups that another process scheduled or that a crash left behind. @default 20 */
  pollIntervalMs: z.number().int().min(1).default(20),
  /** Each poll also reads wake-ups due within this long and arms exact timers for them, so a sleeper scheduled by any process wakes on time rather than at the next poll. @default 50 */
  lookaheadMs: z.number().int().min(0).default(50),
  /** Wake-ups due within this long are also kept as in-process timers (exact to the millisecond); later ones stay on disk only and the poll finds them. @default 1000 */
  wakeHorizonMs: z.number().int().min(0).default(1_000),
  /** Replays this runner runs at once; more due instances wait on disk. @default 256 */
  maxConcurrent: z.number().int().min(1).default(256),
  /** Due instances read per poll (a page; the next poll reads the next). @default 128 */
  batchSize: z.number().int().min(1).default(128),
  /** Each replay stops starting new steps after this long and is replayed again, so `stop()` waits at most about this long plus a running step. @default 10000 */
  sliceMs: z.number().int().min(100).default(10_000),
  /** Stop cleanly on SIGTERM and SIGINT, then re-raise the signal. @default true */
  handleSignals: z.boolean().default(true),
  /** Close the store when the runner stops. @default true */
  closeStore: z.boolean().default(true),
});

export type RunnerSettings = z.output<typeof RunnerSettingsSchema>;

export type LocalRunnerOptions<Env extends object = Record<string, unknown>> = z.input<typeof RunnerSettingsSchema> &
  (
    | (Omit<RuntimeOptions<Env>, 'scheduler'> & { runtime?: undefined })
    | {
        /**
         * A runtime you built. Its own scheduler keeps delivering the wake-ups it scheduled; the runner adds
         * the due-index poll and recovery. Without it the runner builds the runtime with a scheduler that
         * keeps only near wake-ups in memory (`runner.runtime`).
         */
        runtime: Runtime<Env>;
      }
  );

export function parseRunnerSettings(options: Record<string, unknown>): RunnerSettings {
  const settings = Object.fromEntries(Object.keys(RunnerSettingsSchema.shape).map((key) => [key, options[key]]));
  const parsed = RunnerSettingsSchema.safeParse(settings);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const option = issue?.path.join('.') || 'options';
    throw new AdapterError('sqlite', 'createLocalRunner', `invalid option "${option}": ${issue?.message ?? 'invalid'}`, {
      cause: parsed.error,
      option,
    });
  }
  return parsed.data;
}

export const RUNNER_SETTING_KEYS = Object.keys(RunnerSettingsSchema.shape);
