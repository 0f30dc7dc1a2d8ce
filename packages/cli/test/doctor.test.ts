// `cairn doctor` and how the CLI opens an SQLite journal: a damaged or emptied file is reported, never read as
// an empty journal.
import { copyFileSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newInstanceRecord, serialize } from '@cairn/core';
import { createSqliteStore } from '@cairn/store-sqlite';
import { buildCli, cairn, FIXTURES, json } from './support.ts';

let dir: string;
const workflows = join(FIXTURES, 'workflows.ts');

/** A folder with a config pointing at `name`, a copy of the sound database. */
function project(name: string, source: string): { cwd: string; db: string } {
  const cwd = mkdtempSync(join(dir, `${name}-`));
  const db = join(cwd, 'cairn.db');
  copyFileSync(source, db);
  writeFileSync(join(cwd, 'cairn.config.json'), JSON.stringify({ store: { type: 'sqlite', path: './cairn.db' }, workflows: { QUICK: workflows } }));
  return { cwd, db };
}

let sound: string;

beforeAll(async () => {
  buildCli();
  dir = mkdtempSync(join(tmpdir(), 'cairn-doctor-'));
  sound = join(dir, 'sound.db');
  const store = createSqliteStore({ path: sound });
  // Enough rows for several pages, so that damage can land in the middle of the file.
  for (let i = 0; i < 400; i++) {
    await store.createInstance({
      instance: newInstanceRecord({
        workflowName: 'QUICK',
        instanceId: `i-${i}`,
        params: serialize({ pad: 'x'.repeat(200), i }),
        createdAt: 1_000 + i,
        wakeAt: null,
      }),
    });
  }
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cairn doctor', () => {
  it('a sound journal passes: exit 0, from the config or by file, as text or JSON', async () => {
    const { cwd, db } = project('sound', sound);
    const fromConfig = await cairn(['doctor'], { cwd });
    expect(fromConfig.code, fromConfig.stderr).toBe(0);
    expect(fromConfig.stdout).toContain('passed PRAGMA integrity_check');
    const byFile = json(await cairn(['doctor', db, '--json'], { cwd: dir }));
    expect(byFile).toEqual({ file: db, ok: true, problems: [] });
    const listed = await cairn(['instances', 'list', '--limit', '5', '--json'], { cwd });
    expect(listed.code, listed.stderr).toBe(0);
  });

  it('bytes overwritten in its pages: doctor lists the problems (exit 1), and the CLI refuses to open it', async () => {
    const { cwd, db } = project('damaged', sound);
    const fd = openSync(db, 'r+');
    // Garbage over pages 3 to 5 (4 KiB pages): b-tree pages whose damage only a check notices.
    writeSync(fd, Buffer.alloc(3 * 4096, 0xa5), 0, 3 * 4096, 2 * 4096);
    closeSync(fd);
    const report = json(await cairn(['doctor', '--json'], { cwd }));
    expect(report.ok).toBe(false);
    expect(report.problems.length).toBeGreaterThan(0);
    const text = await cairn(['doctor'], { cwd });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('damaged:');
    const listed = await cairn(['instances', 'list'], { cwd });
    expect(listed.code).toBe(1);
    expect(listed.stderr).toMatch(/damaged|malformed/);
  });

  it('a journal truncated to 0 bytes is refused, not read as an empty one', async () => {
    const { cwd, db } = project('truncated', sound);
    truncateSync(db, 0);
    const listed = await cairn(['instances', 'list'], { cwd });
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain('is empty');
    const report = await cairn(['doctor'], { cwd });
    expect(report.code).toBe(1);
    expect(report.stderr).toContain('is empty');
  });

  it('a file that is not a database, and a missing one', async () => {
    const { cwd, db } = project('foreign', sound);
    writeFileSync(db, 'just some text, not SQLite');
    const listed = await cairn(['instances', 'list'], { cwd });
    expect(listed.code).toBe(1);
    const missing = await cairn(['doctor', join(dir, 'nope.db')], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('No database at');
  });
});
