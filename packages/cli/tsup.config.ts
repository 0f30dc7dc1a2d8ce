import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base.ts';

// Two entries: the library (`defineConfig`, `runCli`) and the `cairn` bin. Split into chunks, so that the bin's
// Node.js check runs before the chunk that imports @cairn/core is loaded (a bundle would hoist that import).
export default defineConfig(packageBuild({ entry: ['src/index.ts', 'src/cli.ts'], splitting: true }));
