// What every process of the fleet opens: one pg Pool on DATABASE_URL, the store on it, and the scheduler that
// shares wake-ups between the processes (its LISTEN connection comes from the same pool).

import pg from 'pg';
import { createPostgresScheduler, createPostgresStore, type PostgresScheduler, type PostgresStore } from '@cairn/store-postgres';

export interface Connection {
  pool: pg.Pool;
  store: PostgresStore;
  scheduler: PostgresScheduler;
}

export function connect(url = process.env.DATABASE_URL): Connection {
  if (!url) throw new Error('Set DATABASE_URL (postgres://user:password@host:5432/database)');
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection the server or the network drops is an error event on the pool: the pool replaces it.
  pool.on('error', (error) => console.warn('[postgres pool]', error.message));
  return { pool, store: createPostgresStore({ pool }), scheduler: createPostgresScheduler({ pool }) };
}
