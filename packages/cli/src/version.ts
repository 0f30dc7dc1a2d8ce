// The CLI's version: its package.json's, read once (dist/cli.js and src/ both sit one folder below it).

import { readFileSync } from 'node:fs';

export const CLI_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
