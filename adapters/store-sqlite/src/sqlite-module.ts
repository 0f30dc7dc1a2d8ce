// `node:sqlite`, loaded when a store opens rather than imported: a static import of a built-in that this Node.js
// lacks (before 22.13) fails while the module graph links, before any code could say why.

import type * as NodeSqlite from 'node:sqlite';
import { assertNodeVersion } from '@cairn/core';

/** The Node.js that ships `node:sqlite` without a flag. */
const SQLITE_MINIMUM_NODE = '22.13.0';

let loaded: typeof NodeSqlite | undefined;

export function nodeSqlite(): typeof NodeSqlite {
  if (loaded) return loaded;
  assertNodeVersion(SQLITE_MINIMUM_NODE, '@cairn/store-sqlite (node:sqlite)');
  loaded = process.getBuiltinModule('node:sqlite') as typeof NodeSqlite;
  return loaded;
}
