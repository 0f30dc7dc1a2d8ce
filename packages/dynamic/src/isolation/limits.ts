// Isolation settings and the error an attempt fails with when its Worker goes past a limit.

import { z } from 'zod';

export interface IsolationOptions {
  /** The Worker's heap limit (V8's old generation), in MiB. @default 128 */
  memoryMb?: number;
  /**
   * How long one step attempt may keep the tenant's Worker busy (its event loop's active time: CPU, and any
   * synchronous blocking), in ms. @default 10_000
   */
  cpuMsPerAttempt?: number;
  /** Serializable values the tenant's code sees as `this.env` (functions and bindings cannot cross). @default {} */
  env?: Record<string, unknown>;
}

export const IsolationSchema = z
  .object({
    memoryMb: z.number().int().min(16).max(16_384).default(128),
    cpuMsPerAttempt: z.number().int().min(1).default(10_000),
    env: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type ResolvedIsolation = z.infer<typeof IsolationSchema>;

/** A step attempt went past a limit of its isolated Worker: that attempt fails (and is retried as any error). */
export class IsolationLimitError extends Error {
  constructor(
    readonly limit: 'memory' | 'cpu',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IsolationLimitError';
  }
}
