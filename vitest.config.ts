import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run on the sources: each `@cairn/<folder>` resolves to its `src/index.ts`, and a subpath export
// `@cairn/<folder>/<sub>` to `src/<sub>/index.ts` (subpaths first: the first matching alias wins).
const root = fileURLToPath(new URL('.', import.meta.url));
const alias: Array<{ find: string; replacement: string }> = [];
const roots: typeof alias = [];
for (const group of ['packages', 'adapters']) {
  for (const folder of readdirSync(`${root}${group}`)) {
    const dir = `${root}${group}/${folder}`;
    if (!existsSync(`${dir}/src/index.ts`)) continue;
    roots.push({ find: `@cairn/${folder}`, replacement: `${dir}/src/index.ts` });
    const exports = (JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as { exports?: Record<string, unknown> }).exports ?? {};
    for (const sub of Object.keys(exports).filter((key) => key.startsWith('./'))) {
      alias.push({ find: `@cairn/${folder}/${sub.slice(2)}`, replacement: `${dir}/src/${sub.slice(2)}/index.ts` });
    }
  }
}
alias.push(...roots);

// The crash tests (many runner processes killed over and over) measure how late wake-ups come, so they run
// after everything else, one file at a time, with the machine to themselves; so does the install test (npm
// installs into fresh projects), which would otherwise starve the timing-sensitive tests beside it.
const crash = ['test/*-crash/**/*.test.ts', 'test/packaging/install.test.ts'];

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['packages/*/test/**/*.test.ts', 'adapters/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
          exclude: [...crash, '**/node_modules/**', 'test/packaging/projects/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'crash', include: crash, sequence: { groupOrder: 1 }, poolOptions: { forks: { singleFork: true } } },
      },
    ],
  },
});
