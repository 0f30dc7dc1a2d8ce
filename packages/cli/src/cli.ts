#!/usr/bin/env node
// The `cairn` bin. Exits explicitly: a workflow module in the config may hold handles open. The Node.js check
// comes before anything else is loaded, so a too-old Node gets one line, not a loader error.

import { CLI_MINIMUM_NODE, nodeTooOldLine } from './node-check.js';

const tooOld = nodeTooOldLine(CLI_MINIMUM_NODE, process.versions.node);
if (tooOld) {
  process.stderr.write(`${tooOld}\n`);
  process.exit(1);
}
const [{ processIO }, { runCli }] = await Promise.all([import('./io.js'), import('./main.js')]);
const code = await runCli(process.argv.slice(2), processIO());
process.exit(code);
