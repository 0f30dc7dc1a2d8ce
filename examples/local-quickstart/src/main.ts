// `npm run start`: the demo in this folder, on .cairn/demo.db.
import { fileURLToPath } from 'node:url';
import { runDemo } from './demo.ts';

// CAIRN_DEMO_DB: another file (the tests run this script on one of their own).
const dbPath = process.env.CAIRN_DEMO_DB ?? fileURLToPath(new URL('../.cairn/demo.db', import.meta.url));
console.log(`Cairn local quickstart: an order workflow on SQLite (${process.env.CAIRN_DEMO_DB ?? '.cairn/demo.db'}), run by the local runner.\n`);
const result = await runDemo({ dbPath, say: (line) => console.log(line) });
console.log(`\n${result.instanceId} finished as "${result.status.status}" in ${(result.elapsedMs / 1000).toFixed(1)}s`);
if (result.status.status !== 'complete') {
  console.error(`error: ${result.status.error?.name}: ${result.status.error?.message}`);
  process.exit(1);
}
console.log('output:', JSON.stringify(result.status.output, null, 2));
console.log('\nInspect it with the CLI: npm run cairn -- instances describe ORDER', result.instanceId, '--config examples/local-quickstart/cairn.config.json');
console.log('or explore it (and create more) in the browser: npm run cairn -- dev --config examples/local-quickstart/cairn.config.json');
