// Never mistake a damaged or missing journal for an empty one: a store that must find an existing Cairn database
// refuses a missing, empty or foreign file; `PRAGMA quick_check` at open refuses a damaged one; and
// `checkIntegrity` (what `cairn doctor` runs) reports every problem `PRAGMA integrity_check` finds.

import { statSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { AdapterError } from '@cairn/core';
import { nodeSqlite } from './sqlite-module.js';

/** Before opening with `requireExisting`: the file is there and holds something. */
export function requireCairnFile(path: string): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    throw new AdapterError('sqlite', 'open', `no database at "${path}" (requireExisting: a Cairn database must already be there)`, {
      cause: error,
      option: 'path',
    });
  }
  if (size === 0) {
    throw new AdapterError(
      'sqlite',
      'open',
      `"${path}" is empty: the journal it held is gone (restore it from a backup, or open it without requireExisting to start an empty one)`,
      {
        option: 'path',
      },
    );
  }
}

/** `PRAGMA quick_check` at open: a damaged file is refused, naming the first problem. */
export function quickCheck(db: DatabaseSync, path: string): void {
  const rows = db.prepare('PRAGMA quick_check(1)').all() as Array<Record<string, unknown>>;
  const first = rows[0] ? String(Object.values(rows[0])[0]) : 'ok';
  if (first !== 'ok') {
    throw new AdapterError('sqlite', 'open', `"${path}" is damaged (${first}); run \`cairn doctor\` for the whole report, and restore it from a backup`, {
      option: 'path',
    });
  }
}

/** Every problem `PRAGMA integrity_check` reports (empty when the file is sound). Opens its own read-only connection. */
export function checkIntegrity(path: string, maxProblems = 100): string[] {
  requireCairnFile(path);
  let db: DatabaseSync | undefined;
  try {
    db = new (nodeSqlite().DatabaseSync)(path, { readOnly: true });
    const rows = db.prepare(`PRAGMA integrity_check(${Math.max(1, Math.floor(maxProblems))})`).all() as Array<Record<string, unknown>>;
    const problems = rows.map((row) => String(Object.values(row)[0]));
    return problems.length === 1 && problems[0] === 'ok' ? [] : problems;
  } catch (error) {
    // Damage bad enough that the check itself cannot run (a malformed schema, a file that is not a database).
    return [error instanceof Error ? error.message : String(error)];
  } finally {
    db?.close();
  }
}
