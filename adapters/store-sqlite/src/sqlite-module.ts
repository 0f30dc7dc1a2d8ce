// `node:sqlite`, loaded when a store opens rather than imported: a static import of a built-in that this Node.js
// lacks (before 22.13) fails while the module graph links, before any code could say why. Node 22 also warns
// on loading it ("SQLite is an experimental feature"); the store is built and tested on it, so that one warning
// is not passed on (every other warning is).

import type * as NodeSqlite from 'node:sqlite';
import { assertNodeVersion } from '@cairn/core';

/** The Node.js that ships `node:sqlite` without a flag. */
const SQLITE_MINIMUM_NODE = '22.13.0';
const SQLITE_WARNING = 'SQLite is an experimental feature';

let loaded: typeof NodeSqlite | undefined;

export function nodeSqlite(): typeof NodeSqlite {
  if (loaded) return loaded;
  assertNodeVersion(SQLITE_MINIMUM_NODE, '@cairn/store-sqlite (node:sqlite)');
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    if (String(typeof warning === 'string' ? warning : warning.message).startsWith(SQLITE_WARNING)) return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    loaded = process.getBuiltinModule('node:sqlite') as typeof NodeSqlite;
  } finally {
    process.emitWarning = emitWarning;
  }
  return loaded;
}
