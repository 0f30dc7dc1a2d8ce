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

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'adapters/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
