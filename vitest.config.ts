import { readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run on the sources: each `@cairn/<folder>` resolves to its `src/index.ts`.
const root = fileURLToPath(new URL('.', import.meta.url));
const alias: Record<string, string> = {};
for (const group of ['packages', 'adapters']) {
  for (const folder of readdirSync(`${root}${group}`)) {
    const entry = `${root}${group}/${folder}/src/index.ts`;
    if (existsSync(entry)) alias[`@cairn/${folder}`] = entry;
  }
}

// The crash tests (many runner processes killed over and over) measure how late wake-ups come, so they run
// after everything else, one file at a time, with the machine to themselves.
const crash = ['test/*-crash/**/*.test.ts'];

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
          exclude: [...crash, '**/node_modules/**'],
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
