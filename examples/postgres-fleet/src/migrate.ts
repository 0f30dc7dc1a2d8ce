// The deploy step: creates or upgrades Cairn's tables (idempotent; safe when several run at once).
//   DATABASE_URL=postgres://... node src/migrate.ts

import { connect } from './connect.ts';

const { pool, store } = connect();
try {
  const { from, to } = await store.migrate();
  console.log(from === to ? `schema "${store.schema}" is at version ${to}` : `schema "${store.schema}" migrated from ${from ?? 'nothing'} to version ${to}`);
} finally {
  await pool.end();
}
