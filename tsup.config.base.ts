// The one build configuration every package shares: ESM only, JS + .d.ts, Node 22.
import type { Options } from 'tsup';

export function packageBuild(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm'],
    target: 'node22',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: false,
    treeshake: true,
    // Keep `node:` specifiers: `node:sqlite` has no bare-name alias.
    removeNodeProtocol: false,
    ...overrides,
  };
}
