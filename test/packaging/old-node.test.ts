// A too-old Node.js running Cairn gets one clear line (what is needed, what runs, how to get it), never a loader
// error: run for real on an old Node.js binary when the machine has one (Debian's system Node 20 here; or
// CAIRN_OLD_NODE=/path/to/node), skipped otherwise.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function oldNode(): { path: string; version: string } | undefined {
  for (const path of [process.env.CAIRN_OLD_NODE, '/usr/bin/node', '/usr/local/bin/node']) {
    if (!path || !existsSync(path)) continue;
    const version = execFileSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    if (Number(version.split('.')[0]) < 22) return { path, version };
  }
  return undefined;
}

const old = oldNode();

describe.skipIf(!old)(`on an old Node.js (${old?.version ?? 'none found'})`, () => {
  const run = (args: string[]) => spawnSync(old!.path, args, { cwd: root, encoding: 'utf8' });

  it('the cairn command prints one line and exits 1', () => {
    const result = run(['packages/cli/dist/cli.js', 'instances', 'list']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `cairn: needs Node.js >= 22.13.0, and this is Node.js ${old!.version}. Install Node.js 24 LTS (https://nodejs.org/), or run it through npm with the "node@24" package: npx -p node@24 -p @cairn/cli cairn ...\n`,
    );
  });

  it.each([
    ['import', `import('@cairn/core')`],
    ['require', `require('@cairn/core')`],
    ['import of an adapter', `import('@cairn/host-node')`],
  ])('%s of the library fails with UnsupportedNodeError naming both versions, not a loader error', (_how, code) => {
    const result = run(['-e', code]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`UnsupportedNodeError: @cairn/core needs Node.js >= 22.12.0, and this is Node.js ${old!.version}: install Node.js 24 LTS`);
    expect(result.stderr).not.toMatch(/ERR_[A-Z_]+|SyntaxError|Cannot find module/);
  });
});
