import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base.ts';

// The Node side only (serving the UI's files); `clean: false` keeps dist/ui, which Vite built first.
export default defineConfig(packageBuild({ clean: false }));
