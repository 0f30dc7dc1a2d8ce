#!/usr/bin/env node
// The `cairn` bin. Exits explicitly: a workflow module in the config may hold handles open.

import { processIO } from './io.js';
import { runCli } from './main.js';

const code = await runCli(process.argv.slice(2), processIO());
process.exit(code);
