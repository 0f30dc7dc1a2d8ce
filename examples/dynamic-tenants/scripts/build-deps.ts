// Builds the Cairn packages the demo imports (their dist/) when missing or older than their sources,
// so `npm run start` works on a fresh clone and costs nothing on the next run.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
// What the dispatcher imports: core, the dynamic package, the SQLite store and both hosts.
const packages = ['packages/core', 'packages/dynamic', 'adapters/store-sqlite', 'adapters/host-node', 'adapters/host-cloud-run'];

function newest(folder: string): number {
  let latest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

for (const folder of packages) {
  const dir = join(root, folder);
  const built = join(dir, 'dist', 'index.js');
  // Sources are in src/ (and, for the explorer, its UI in ui/).
  const sources = ['src', 'ui'].map((sub) => join(dir, sub)).filter((sub) => existsSync(sub));
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newest))) continue;
  process.stderr.write(`building ${folder}...\n`);
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
}
