import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base.ts';

// Two entries: the root (conformance suites, needs vitest) and `./environment` (vitest-free). Shared code goes in
// one chunk, so both see the same registry of test environments.
export default defineConfig(packageBuild({ entry: { index: 'src/index.ts', environment: 'src/environment/index.ts' }, splitting: true }));
