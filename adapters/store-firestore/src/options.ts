// The factory's options, validated once.

import { z } from 'zod';
import { parseOptions, type AdapterError } from '@cairn/core';
import type { Firestore } from '@google-cloud/firestore';

export interface FirestoreStoreOptions {
  /** A `Firestore` client from `@google-cloud/firestore`, created and owned by the caller. */
  firestore: Firestore;
  /**
   * The collection holding every document of the store (instances, journal entries, chunks).
   * It is also the collection group named by the TTL policy and by `firestore.indexes.json`.
   * @default 'cairn-workflows'
   */
  collection?: string;
  /**
   * Attempts per operation on contention (`ABORTED`) and transient errors (`UNAVAILABLE`,
   * `DEADLINE_EXCEEDED`, `RESOURCE_EXHAUSTED`), with exponential backoff and jitter.
   * @default 5
   */
  maxAttempts?: number;
  /** Largest page `listInstances` returns, whatever `limit` asks. @default 500 */
  maxPageSize?: number;
  /**
   * Called when the retention/cleanup pass that follows a committed `updateInstance` (stamping `expireAt` on
   * journal documents, deleting a restarted instance's dead steps) fails. The update itself did apply.
   * @default logs with console.warn
   */
  onCleanupError?: (error: AdapterError) => void;
}

export interface ResolvedOptions {
  firestore: Firestore;
  collection: string;
  maxAttempts: number;
  maxPageSize: number;
  onCleanupError: (error: AdapterError) => void;
}

const OptionsSchema = z
  .object({
    firestore: z.custom<Firestore>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { collection?: unknown }).collection === 'function' &&
        typeof (value as { runTransaction?: unknown }).runTransaction === 'function',
      { message: 'a Firestore client from @google-cloud/firestore' },
    ),
    collection: z
      .string()
      .min(1)
      .max(1500)
      .refine((name) => !name.includes('/') && name !== '.' && name !== '..' && !/^__.*__$/.test(name), {
        message: 'a Firestore collection id: no "/", not "." or "..", not __name__',
      })
      .default('cairn-workflows'),
    maxAttempts: z.number().int().min(1).max(20).default(5),
    maxPageSize: z.number().int().min(1).max(1000).default(500),
    onCleanupError: z.custom<(error: AdapterError) => void>((value) => typeof value === 'function', { message: 'a function' }).optional(),
  })
  .strict();

export function resolveOptions(options: FirestoreStoreOptions): ResolvedOptions {
  const parsed = parseOptions(OptionsSchema, options, { adapter: 'firestore', factory: 'createFirestoreStore' });
  return {
    ...parsed,
    onCleanupError:
      parsed.onCleanupError ??
      ((error) => {
        console.warn(error.message);
      }),
  };
}
