// Builds the Cairn packages the demo imports (their dist/) when missing or older than their sources,
// so `npm run start` works on a fresh clone and costs nothing on the next run.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
// The CLI too: the demo ends by pointing at `npm run cairn -- instances describe ...`.
const packages = ['packages/core', 'adapters/store-sqlite', 'adapters/host-node', 'packages/cli'];

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
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(dir, 'src'))) continue;
  process.stderr.write(`building ${folder}...\n`);
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
}
