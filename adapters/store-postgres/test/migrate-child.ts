// One process migrating a database; the parent starts several, and each connects first, then migrates at the
// same instant (`startAt`, epoch ms), so that they really race. Usage: node migrate-child.mjs <url> <schema> <startAt>

import pg from 'pg';
import { createPostgresStore } from '@cairn/store-postgres';

const [url, schema, startAt] = process.argv.slice(2);
if (!url || !schema || !startAt) throw new Error('usage: migrate-child.mjs <url> <schema> <startAt>');
const pool = new pg.Pool({ connectionString: url, max: 1 });
(await pool.connect()).release();
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
const result = await createPostgresStore({ pool, schema }).migrate();
process.stdout.write(`${JSON.stringify(result)}\n`);
await pool.end();
