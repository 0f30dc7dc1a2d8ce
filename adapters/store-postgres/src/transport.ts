// How the store sends statements: each one a named prepared statement (parsed once per connection), retried
// with core's backoff when it failed transiently. A write retried after a dropped connection may have
// committed the first time: its body is told so (`retry`) and recognises its own earlier write. Everything
// the server or the driver throws becomes an AdapterError naming the operation, with the `cause` kept.

import type { QueryResultRow } from 'pg';
import { AdapterError, CairnError, withRetries } from '@cairn/core';
import type { PostgresPool } from './options.js';

export interface Statement {
  /** A name unique to this text (per schema): the server keeps it prepared on each connection. */
  name: string;
  text: string;
}

/** SQLSTATEs worth sending again: serialization and deadlock, a server shutting down or starting, connections. */
const TRANSIENT_STATES = new Set(['40001', '40P01', '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

function isTransient(error: unknown): boolean {
  if (CairnError.is(error)) return false;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (TRANSIENT_STATES.has(code) || TRANSIENT_CODES.has(code))) return true;
  const message = error instanceof Error ? error.message : '';
  // node-postgres's own words for a connection lost mid-request or a pool that could not connect in time.
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Transport {
  closed = false;

  constructor(
    private readonly pool: PostgresPool,
    private readonly schema: string,
    private readonly maxAttempts: number,
  ) {}

  /** One statement, retried while transient (for reads, and writes whose resend changes nothing). */
  query<R extends QueryResultRow = Record<string, unknown>>(operation: string, statement: Statement, values: unknown[]): Promise<R[]> {
    return this.attempt(operation, () => this.send<R>(statement, values));
  }

  /** One statement, once: inside an `attempt` body, which is what is retried. */
  async send<R extends QueryResultRow = Record<string, unknown>>(statement: Statement, values: unknown[]): Promise<R[]> {
    return (await this.pool.query<R>({ name: statement.name, text: statement.text, values })).rows;
  }

  /** A body of statements, run again (told `retry`) after a transient failure. */
  attempt<T>(operation: string, body: (retry: boolean) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new AdapterError('postgres', operation, 'the store is closed'));
    return withRetries({ maxAttempts: this.maxAttempts, baseMs: 20, maxMs: 1_000, jitter: 'spread', retryable: isTransient }, (n) => body(n > 1)).catch(
      (error: unknown) => {
        throw this.wrap(operation, error);
      },
    );
  }

  private wrap(operation: string, error: unknown): unknown {
    if (CairnError.is(error)) return error;
    const code = (error as { code?: unknown } | null)?.code;
    // 42P01 undefined_table, 3F000 invalid_schema_name: nobody ran migrate().
    // 42703 undefined_column: a schema older than this package (a migration not run yet).
    if (code === '42P01' || code === '3F000' || code === '42703') {
      return new AdapterError(
        'postgres',
        operation,
        `schema "${this.schema}" has no Cairn tables, or older ones: run store.migrate() once (a deploy step) before use`,
        {
          cause: error,
          option: 'schema',
        },
      );
    }
    return new AdapterError('postgres', operation, messageOf(error), { cause: error });
  }
}
