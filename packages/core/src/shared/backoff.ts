// The one backoff formula: every retry site (step retries, adapters' transient retries, queued-slot retries,
// in-process redelivery) computes its delay here.

import type { Clock } from '../clock.js';

export type BackoffKind = 'constant' | 'linear' | 'exponential';

export interface BackoffPolicy {
  /** The delay before the first retry. */
  baseMs: number;
  /** @default 'exponential' */
  kind?: BackoffKind;
  /** No delay exceeds this. @default no cap */
  maxMs?: number;
  /**
   * 'full': uniformly random in [0, computed) ("full jitter"); 'spread': in [computed, 2 × computed), so many
   * retriers spread out but none comes early. @default 'none'
   */
  jitter?: 'none' | 'full' | 'spread';
}

/**
 * The delay before retry number `retry` (1 after the first failure): constant `base`, linear `base × n`,
 * exponential `base × 2^(n−1)`; capped, then jittered.
 */
export function backoffDelayMs(policy: BackoffPolicy, retry: number, random: () => number = Math.random): number {
  const n = Math.max(1, retry);
  const kind = policy.kind ?? 'exponential';
  let delay = kind === 'constant' ? policy.baseMs : kind === 'linear' ? policy.baseMs * n : policy.baseMs * 2 ** (n - 1);
  if (policy.maxMs !== undefined) delay = Math.min(policy.maxMs, delay);
  if (policy.jitter === 'full') return random() * delay;
  if (policy.jitter === 'spread') return delay + random() * delay;
  return delay;
}

export interface RetryOptions extends BackoffPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Whether a failure may be retried. */
  retryable: (error: unknown) => boolean;
  /** Waits between attempts. @default real timers */
  clock?: Pick<Clock, 'setTimer'>;
}

/** Runs `attempt` until it succeeds, a failure is not retryable, or `maxAttempts` ran; waits by `backoffDelayMs`. */
export async function withRetries<T>(options: RetryOptions, attempt: (attemptNumber: number) => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= options.maxAttempts || !options.retryable(error)) throw error;
      const ms = backoffDelayMs(options, n);
      await new Promise<void>((resolve) => {
        if (options.clock) options.clock.setTimer(resolve, ms);
        else setTimeout(resolve, ms);
      });
    }
  }
}
