// What a user installs: every package packed (`npm pack`, from the built dist), checked as published packages are
// (publint, @arethetypeswrong/cli, `npm publish --dry-run`), and installed from the tarballs into fresh projects
// (plain ESM, CommonJS, TypeScript nodenext, and vitest 3, 4 and 5 with the testkit) that each run a workflow.
// Third-party dependencies come from the npm registry (or npm's cache).

import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const projects = join(root, 'test/packaging/projects');
const bin = (name: string) => join(root, 'node_modules/.bin', name);
const folders = ['packages', 'adapters'].flatMap((group) => readdirSync(join(root, group)).map((folder) => `${group}/${folder}`));
const INSTALL_MS = 600_000;

let work: string;
interface PackEntry {
  name: string;
  filename: string;
  files: Array<{ path: string }>;
}
/** Package name -> tarball path, and the files in it. */
const tarballs = new Map<string, string>();
const contents = new Map<string, string[]>();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cairn-install-'));
  mkdirSync(join(work, 'tarballs'));
  const packed = await run('npm', ['pack', ...folders.flatMap((folder) => ['-w', folder]), '--pack-destination', join(work, 'tarballs'), '--json'], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const entry of JSON.parse(packed.stdout) as PackEntry[]) {
    tarballs.set(entry.name, join(work, 'tarballs', entry.filename));
    contents.set(
      entry.name,
      entry.files.map((file) => file.path),
    );
  }
}, INSTALL_MS);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A fresh project from `projects/<fixture>` with the given tarballs and registry packages installed. */
async function project(fixture: string, cairn: string[], registry: string[], manifest: Record<string, unknown> = {}): Promise<string> {
  const dir = join(work, `${fixture}-${Math.random().toString(36).slice(2, 8)}`);
  cpSync(join(projects, fixture), dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `install-test-${fixture}`, private: true, ...manifest }, null, 2));
  const tgz = cairn.map((name) => {
    const file = tarballs.get(name);
    if (!file) throw new Error(`no tarball for ${name}`);
    return file;
  });
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tgz, ...registry], {
    cwd: dir,
    maxBuffer: 64 * 1024 * 1024,
  });
  return dir;
}

// A hung child is killed rather than left behind.
const node = (dir: string, args: string[]) => run(process.execPath, args, { cwd: dir, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });

describe('packed packages', () => {
  it('every package packs, with its LICENSE, README, types and build, and nothing outside its `files`', () => {
    expect([...tarballs.keys()].sort()).toEqual(folders.map((folder) => `@cairn/${folder.split('/')[1]}`).sort());
    for (const folder of folders) {
      const name = `@cairn/${folder.split('/')[1]}`;
      const listed = (JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')) as { files: string[] }).files;
      const files = contents.get(name)!;
      expect(files, name).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts']));
      const stray = files.filter(
        (file) => !['LICENSE', 'README.md', 'package.json'].includes(file) && !listed.some((entry) => file === entry || file.startsWith(`${entry}/`)),
      );
      expect(stray, name).toEqual([]);
      expect(
        files.filter((file) => /(^|\/)(src|test)\//.test(file) || file.endsWith('.test.js')),
        name,
      ).toEqual([]);
    }
  });

  it.each(folders)('%s: publint finds nothing (strict)', async (folder) => {
    const name = `@cairn/${folder.split('/')[1]}`;
    const { stdout } = await run(bin('publint'), ['run', tarballs.get(name)!, '--strict'], { cwd: work });
    expect(stdout).toContain('All good!');
  });

  // ESM only (require() of it works on Node >= 22.12, tested by require.test.ts and the CommonJS project below).
  it.each(folders)('%s: arethetypeswrong finds no problem (esm-only profile)', async (folder) => {
    const name = `@cairn/${folder.split('/')[1]}`;
    // attw exits non-zero on any problem the profile does not ignore; the message is its report.
    const result = await run(bin('attw'), [tarballs.get(name)!, '--profile', 'esm-only', '--format', 'ascii', '--no-color', '--no-emoji'], { cwd: work }).then(
      () => 'no problems',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe('no problems');
  });

  it.each(folders)('%s: npm publish --dry-run succeeds', async (folder) => {
    const { stderr } = await run('npm', ['publish', '--dry-run', '--access', 'public', '-w', folder], { cwd: root });
    expect(stderr).toContain(`@cairn/${folder.split('/')[1]}@`);
  });
});

describe('installed into fresh projects', () => {
  it(
    'plain ESM, every package: each entry loads, and an order runs on SQLite through the Node host',
    async () => {
      const dir = await project('esm', [...tarballs.keys()], [], { type: 'module' });
      const out = JSON.parse((await node(dir, ['main.mjs'])).stdout) as { loaded: Record<string, string>; status: unknown };
      expect(Object.values(out.loaded).every((type) => type === 'function')).toBe(true);
      expect(Object.keys(out.loaded)).toHaveLength(11);
      expect(out.status).toEqual({ status: 'complete', output: { reserved: { sku: 'a-1' }, by: 'ops' } });
    },
    INSTALL_MS,
  );

  it(
    'CommonJS: require() of core, the SQLite store and the testkit environment; a workflow runs',
    async () => {
      const dir = await project('commonjs', ['@cairn/core', '@cairn/store-sqlite', '@cairn/testkit'], []);
      const out = JSON.parse((await node(dir, ['main.cjs'])).stdout) as unknown;
      expect(out).toEqual({ virtual: { status: 'complete', output: { reminded: 'ada' } }, sqlite: { status: 'complete', output: { reminded: 'bob' } } });
    },
    INSTALL_MS,
  );

  it(
    'TypeScript (nodenext, strict, skipLibCheck off): tsc accepts typed bindings and a Standard Schema, and the output runs',
    async () => {
      const dir = await project('typescript', ['@cairn/core', '@cairn/store-sqlite', '@cairn/testkit'], ['typescript@5.9', '@types/node@24'], {
        type: 'module',
      });
      await run(join(dir, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: dir });
      const out = JSON.parse((await node(dir, ['dist/main.js'])).stdout) as unknown;
      expect(out).toEqual({ status: 'complete', total: 30, rejected: 'ValidationError', introspectorType: 'waitForStatus' });
    },
    INSTALL_MS,
  );

  it.each(['3', '4', '5'])(
    "vitest %s: the testkit installs beside it, its conformance suite passes on the memory store, and Cloudflare's test API works",
    async (major) => {
      const dir = await project('vitest', ['@cairn/core', '@cairn/testkit'], [`vitest@${major}`], { type: 'module' });
      await run(join(dir, 'node_modules/.bin/vitest'), ['run', '--reporter=json', '--outputFile=report.json'], {
        cwd: dir,
        maxBuffer: 64 * 1024 * 1024,
        timeout: 300_000,
      });
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { numFailedTests: number; numPassedTests: number };
      expect(report.numFailedTests).toBe(0);
      expect(report.numPassedTests).toBeGreaterThan(50);
    },
    INSTALL_MS,
  );
});
