import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base.ts';

// Keep `node:sqlite` as written: it exists only under the `node:` scheme.
export default defineConfig(packageBuild({ removeNodeProtocol: false }));
