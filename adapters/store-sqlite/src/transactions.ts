// How the store runs statements: reads and single writes, transactions, and group commit. Writes issued in
// the same turn of the event loop (many replays resolving together) are committed in one transaction: a
// commit is the expensive part of a write (syscalls), and each write's promise still resolves only after its
// commit. A lone write runs on its own, with no extra statements. A write whose commit is followed by a
// transient failure (the lock busy past its timeout, or an injected fault) runs again, told it is a retry, so
// that it can recognise its own earlier write. SQLite failures become AdapterError.

import { AdapterError, CairnError } from '@cairn/core';
import type { Statements } from './statements.js';

/** A write: `retry` is true when an earlier run of it may have committed. */
type WriteBody<T> = (retry: boolean) => T;

interface Job {
  operation: string;
  body: WriteBody<unknown>;
  attempt: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const MAX_ATTEMPTS = 3;

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** SQLITE_BUSY and SQLITE_LOCKED (and their extended codes): another connection held the lock. */
function isTransient(error: unknown): boolean {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' && ((code & 0xff) === 5 || (code & 0xff) === 6);
}

function wrap(operation: string, error: unknown): unknown {
  return CairnError.is(error) ? error : new AdapterError('sqlite', operation, messageOf(error), { cause: error });
}

/** Test hooks: faults injected where a network store's transport would lose or refuse a request. */
export interface FaultHooks {
  beforeWrite?: (() => void) | undefined;
  afterCommit?: (() => void) | undefined;
}

/** A transient failure may carry a promise the resend waits for (another writer's change landing meanwhile). */
function resumeAfterOf(error: unknown): Promise<unknown> | undefined {
  const resume = (error as { resumeAfter?: unknown } | null)?.resumeAfter;
  return resume instanceof Promise ? resume : undefined;
}

export class Transactions {
  private queue: Job[] = [];
  private inGroup = false;
  closed = false;

  constructor(
    private readonly sql: Statements,
    private readonly hooks: FaultHooks,
  ) {}

  /** Runs a read now. */
  async run<T>(operation: string, body: () => T): Promise<T> {
    if (this.closed) throw new AdapterError('sqlite', operation, 'the store is closed');
    try {
      return body();
    } catch (error) {
      throw wrap(operation, error);
    }
  }

  /** Queues a write for this turn's group commit. */
  write<T>(operation: string, body: WriteBody<T>): Promise<T> {
    if (this.closed) return Promise.reject(new AdapterError('sqlite', operation, 'the store is closed'));
    return new Promise<T>((resolve, reject) => this.enqueue({ operation, body, attempt: 1, resolve: resolve as (value: unknown) => void, reject }));
  }

  /**
   * A transaction; `write` takes the write lock up front so it never fails half-way on another process's
   * lock. Inside a group commit it is a savepoint, so the item is still all-or-nothing.
   */
  transaction<T>(write: boolean, body: () => T): T {
    const { sql } = this;
    const nested = this.inGroup;
    (nested ? sql.savepoint : write ? sql.beginWrite : sql.begin).run();
    try {
      const result = body();
      (nested ? sql.release : sql.commit).run();
      return result;
    } catch (error) {
      try {
        if (nested) {
          sql.rollbackItem.run();
          sql.release.run();
        } else sql.rollback.run();
      } catch {
        // The transaction is already gone (SQLite rolled it back itself).
      }
      throw error;
    }
  }

  /** Commits every queued write: alone, or as one transaction of savepoints. */
  flush(): void {
    const jobs = this.queue;
    this.queue = [];
    if (jobs.length === 0) return;
    if (jobs.length === 1) {
      const job = jobs[0]!;
      try {
        this.hooks.beforeWrite?.();
        const value = job.body(job.attempt > 1);
        this.hooks.afterCommit?.();
        job.resolve(value);
      } catch (error) {
        this.settleFailed(job, error);
      }
      return;
    }
    const results = this.group(jobs);
    if (!results) return;
    jobs.forEach((job, i) => {
      const result = results[i]!;
      if (result.ok) job.resolve(result.value);
      else this.settleFailed(job, result.error);
    });
  }

  private enqueue(job: Job): void {
    if (this.queue.length === 0) setImmediate(() => this.flush());
    this.queue.push(job);
  }

  /** A transient failure runs the write again (it may have committed); any other failure is the answer. */
  private settleFailed(job: Job, error: unknown): void {
    if (!isTransient(error) || job.attempt >= MAX_ATTEMPTS || this.closed) return job.reject(wrap(job.operation, error));
    const again = { ...job, attempt: job.attempt + 1 };
    const resumeAfter = resumeAfterOf(error);
    if (!resumeAfter) return this.enqueue(again);
    const resend = () => (this.closed ? job.reject(wrap(job.operation, error)) : this.enqueue(again));
    void resumeAfter.then(resend, resend);
  }

  /** Runs the jobs in one write transaction; undefined (every job settled as failed) when it could not commit. */
  private group(jobs: Job[]): Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> | undefined {
    const { sql } = this;
    try {
      sql.beginWrite.run();
    } catch (error) {
      for (const job of jobs) this.settleFailed(job, error);
      return undefined;
    }
    this.inGroup = true;
    const results = jobs.map((job) => {
      try {
        this.hooks.beforeWrite?.();
        return { ok: true as const, value: job.body(job.attempt > 1) };
      } catch (error) {
        return { ok: false as const, error };
      }
    });
    this.inGroup = false;
    try {
      sql.commit.run();
      this.hooks.afterCommit?.();
    } catch (error) {
      try {
        sql.rollback.run();
      } catch {
        // Already rolled back, or committed (a failure after the commit).
      }
      for (const job of jobs) this.settleFailed(job, error);
      return undefined;
    }
    return results;
  }
}
