// cairn doctor: runs SQLite's full `PRAGMA integrity_check` on a journal file (the store's own `quick_check` at
// open catches most damage; this reads every page). It opens its own read-only connection: a damaged file that a
// store refuses to open is still examined.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ValidationError } from '@cairn/core';
import { findConfig, loadConfig } from '../config.js';
import type { CliIO } from '../io.js';
import { UsageError } from '../usage.js';

const SQLITE_PACKAGE: string = '@cairn/store-sqlite';

/** The database to check: the one named, or the config's (a JSON descriptor is read without opening the store). */
async function databaseOf(io: CliIO, file: string | undefined, config: string | undefined): Promise<string> {
  if (file !== undefined) return resolve(io.cwd, file);
  const configFile = findConfig(io.cwd, config);
  if (configFile.endsWith('.json')) {
    const parsed = JSON.parse(readFileSync(configFile, 'utf8')) as { store?: { type?: string; path?: string } };
    if (parsed.store?.type === 'sqlite' && typeof parsed.store.path === 'string') return resolve(dirname(configFile), parsed.store.path);
  } else {
    const loaded = await loadConfig(configFile);
    const path = (loaded.store as { path?: unknown }).path;
    await loaded.store.close?.().catch(() => undefined);
    if (loaded.store.name === 'sqlite' && typeof path === 'string') return path;
  }
  throw new UsageError(`"doctor" checks SQLite journals: the store of ${configFile} is not one; pass the database file (cairn doctor <file>)`);
}

export async function doctorCommand(io: CliIO, json: boolean, file: string | undefined, config: string | undefined): Promise<number> {
  const path = await databaseOf(io, file, config);
  if (!existsSync(path)) throw new UsageError(`No database at ${path}`);
  let adapter: { checkIntegrity(path: string, maxProblems?: number): string[] };
  try {
    adapter = (await import(SQLITE_PACKAGE)) as typeof adapter;
  } catch (error) {
    throw new ValidationError('cairn doctor', `the ${SQLITE_PACKAGE} package installed beside @cairn/cli`, (error as Error).message, { cause: error });
  }
  const problems = adapter.checkIntegrity(path);
  if (json) io.stdout(`${JSON.stringify({ file: path, ok: problems.length === 0, problems })}\n`);
  else if (problems.length === 0) io.stdout(`ok: ${path} passed PRAGMA integrity_check\n`);
  else io.stdout(`damaged: ${path}\n${problems.map((problem) => `  ${problem}`).join('\n')}\nRestore it from a backup; do not write to it.\n`);
  return problems.length === 0 ? 0 : 1;
}
