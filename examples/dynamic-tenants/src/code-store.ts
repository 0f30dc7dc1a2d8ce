// Where tenants' uploaded workflow code lives: every upload is a new version (v1, v2, ...), never overwritten, so
// an instance pinned to an old version can always load it. On node:sqlite (a file beside the journal), or in memory.

import { DatabaseSync } from 'node:sqlite';

export interface TenantCodeStore {
  /** Stores a new version of the tenant's code and makes it current; returns its name. */
  upload(tenant: string, source: string): Promise<string>;
  /** The tenant's code at `version`, if there is such a version. */
  source(tenant: string, version: string): Promise<string | undefined>;
  /** The tenant's current version, if it has uploaded code. */
  current(tenant: string): Promise<string | undefined>;
}

export function createSqliteCodeStore(path: string): TenantCodeStore & { close(): void } {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS tenant_code (tenant TEXT NOT NULL, n INTEGER NOT NULL, source TEXT NOT NULL, PRIMARY KEY (tenant, n)) WITHOUT ROWID');
  const latest = db.prepare('SELECT MAX(n) AS n FROM tenant_code WHERE tenant = ?');
  const insert = db.prepare('INSERT INTO tenant_code (tenant, n, source) VALUES (?, ?, ?)');
  const read = db.prepare('SELECT source FROM tenant_code WHERE tenant = ? AND n = ?');
  const numberOf = (version: string) => (/^v[1-9]\d*$/.test(version) ? Number(version.slice(1)) : NaN);
  return {
    async upload(tenant, source) {
      // One transaction under SQLite's write lock: two uploads never get the same number.
      db.exec('BEGIN IMMEDIATE');
      try {
        const n = Number((latest.get(tenant) as { n: number | null }).n ?? 0) + 1;
        insert.run(tenant, n, source);
        db.exec('COMMIT');
        return `v${n}`;
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
    async source(tenant, version) {
      const row = read.get(tenant, numberOf(version)) as { source: string } | undefined;
      return row?.source;
    },
    async current(tenant) {
      const n = (latest.get(tenant) as { n: number | null }).n;
      return n === null ? undefined : `v${n}`;
    },
    close: () => db.close(),
  };
}

export function createMemoryCodeStore(): TenantCodeStore {
  const versions = new Map<string, string[]>();
  return {
    async upload(tenant, source) {
      const list = versions.get(tenant) ?? [];
      list.push(source);
      versions.set(tenant, list);
      return `v${list.length}`;
    },
    source: async (tenant, version) => versions.get(tenant)?.[Number(version.slice(1)) - 1],
    async current(tenant) {
      const count = versions.get(tenant)?.length ?? 0;
      return count === 0 ? undefined : `v${count}`;
    },
  };
}
