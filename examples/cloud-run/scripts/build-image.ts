// Builds what the container image runs, into a folder (default examples/cloud-run/image/):
//   server.mjs         the order service bundled with the @cairn packages and zod, from this repository's
//                      sources (workspace packages are not on a registry, so nothing installs them);
//   package.json       the Google Cloud clients, left as installed dependencies (large, with their own files),
//   package-lock.json  pinned to the versions this repository tests, so `npm ci` in the image is reproducible.
// The Dockerfile's build stage runs this; `node examples/cloud-run/scripts/build-image.ts [out]` runs it here.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(exampleDir, '../..');
const outDir = resolve(process.argv[2] ?? join(exampleDir, 'image'));

/** Installed in the image rather than bundled. */
const EXTERNAL = ['@google-cloud/firestore', '@google-cloud/tasks', 'google-auth-library'];

const manifest = JSON.parse(readFileSync(join(exampleDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
/** The version installed here (what the tests ran), so the image runs the same. */
function installedVersion(name: string): string {
  const path = join(repoRoot, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

await build({
  entryPoints: [join(exampleDir, 'server.ts')],
  outfile: join(outDir, 'server.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // The @cairn packages from their sources, as the repository's TypeScript paths map them.
  tsconfig: join(repoRoot, 'tsconfig.json'),
  external: EXTERNAL,
  sourcemap: true,
  legalComments: 'linked',
  // Bundled CommonJS modules may call require(); give them one.
  banner: { js: "import { createRequire as __cairnCreateRequire } from 'node:module'; const require = __cairnCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

const dependencies = Object.fromEntries(
  EXTERNAL.map((name) => {
    if (!manifest.dependencies[name]) throw new Error(`examples/cloud-run/package.json does not list ${name}`);
    return [name, installedVersion(name)];
  }),
);
writeFileSync(
  join(outDir, 'package.json'),
  `${JSON.stringify(
    {
      name: 'cairn-orders-image',
      private: true,
      description: 'The order service as its container image runs it (built by scripts/build-image.ts).',
      type: 'module',
      engines: { node: '>=22.12' },
      scripts: { start: 'node server.mjs' },
      dependencies,
    },
    null,
    2,
  )}\n`,
);
// The lockfile the image's `npm ci` needs: resolved from the registry, nothing installed here.
execFileSync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: outDir, stdio: 'inherit' });
console.log(`image contents in ${dirname(join(outDir, 'x'))}: server.mjs, package.json, package-lock.json`);
