// Every package can be loaded with require() (Node >= 22.12 loads ES modules synchronously) through its exports'
// `default` condition, from a CommonJS process, as a CommonJS project would after installing it. The testkit's
// root is vitest's to load (it registers tests, and vitest is ESM only); its `environment` entry loads anywhere.

import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

const entries: Record<string, string> = {
  core: 'createRuntime',
  cli: 'defineConfig',
  'host-node': 'createNodeHost',
  'host-lambda': 'createLambdaHandler',
  'host-cloud-run': 'createCloudRunHandler',
  'store-sqlite': 'createSqliteStore',
  'store-dynamodb': 'createDynamoDBStore',
  'store-firestore': 'createFirestoreStore',
  'scheduler-eventbridge': 'createEventBridgeScheduler',
  'scheduler-cloud-tasks': 'createCloudTasksScheduler',
  'testkit/environment': 'introspectWorkflowInstance',
};

describe('require() of every package', () => {
  it.each(Object.entries(entries))('@cairn/%s loads from CommonJS and exports %s', (name, exported) => {
    const script = `const m = require('@cairn/${name}'); process.stdout.write(typeof m[${JSON.stringify(exported)}]);`;
    const out = execFileSync(process.execPath, ['--input-type=commonjs', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(out).toBe('function');
  });
});

describe('the testkit without vitest', () => {
  it("@cairn/testkit/environment runs a workflow in virtual time, with Cloudflare's test API, in a plain node process", () => {
    const fixtures = join(root, 'test/packaging/fixtures');
    const forbid = ['--import', join(fixtures, 'forbid-vitest.mjs')];
    const out = execFileSync(process.execPath, [...forbid, join(fixtures, 'testkit-without-vitest.mjs')], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ output: { sent: 'mocked' }, virtualDays: 1 });
    // The guard works: the root entry (the conformance suites) does import vitest.
    const rootEntry = spawnSync(process.execPath, [...forbid, '--input-type=module', '-e', "await import('@cairn/testkit')"], { cwd: root, encoding: 'utf8' });
    expect(rootEntry.status).not.toBe(0);
    expect(rootEntry.stderr).toContain('vitest imported');
  });
});

describe('licence', () => {
  const packages = ['packages', 'adapters'].flatMap((group) => readdirSync(join(root, group)).map((folder) => join(group, folder)));
  it.each(packages)('%s says MIT and ships the licence text', (folder) => {
    const manifest = JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')) as { license?: string };
    expect(manifest.license).toBe('MIT');
    expect(readFileSync(join(root, folder, 'LICENSE'), 'utf8')).toBe(readFileSync(join(root, 'LICENSE'), 'utf8'));
  });
});
