import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base.ts';

// Two entries: the library (`defineConfig`, `runCli`) and the `cairn` bin.
export default defineConfig(packageBuild({ entry: ['src/index.ts', 'src/cli.ts'] }));
