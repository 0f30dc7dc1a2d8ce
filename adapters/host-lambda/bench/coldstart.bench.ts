// Cold-start figures of a Cairn Lambda: the size of the bundled example handler (esbuild, as SAM builds
// it) and its init time, i.e. importing the bundle in a fresh Node process, plus the first-use cost of
// building the SDK clients and runtime inside the first invocation.
//
// Run (Node 24, after `npx tsup` in packages/core, adapters/host-lambda, adapters/scheduler-eventbridge
// and adapters/store-dynamodb): node adapters/host-lambda/bench/coldstart.bench.ts

import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const entry = join(root, 'examples/aws-lambda/handler.ts');
const RUNS = 15;

const work = mkdtempSync(join(tmpdir(), 'cairn-coldstart-'));
// Bundles that leave the AWS SDK external find it here, as Lambda's nodejs22.x runtime provides it.
symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');

async function bundle(name: string, external: string[]) {
  const outfile = join(work, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    external,
    logLevel: 'error',
    // Some CommonJS dependencies call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const bytes = statSync(outfile).size;
  return { outfile, bytes, gzip: gzipSync(readFileSync(outfile)).length };
}

const MEASURE = `
const t0 = performance.now();
const mod = await import(process.argv[1]);
const t1 = performance.now();
let firstUse = null;
try {
  await mod.handler({ kind: 'cairn.wake', workflowName: 'NOT_BOUND', instanceId: 'x', wakeSeq: 0, wakeAt: 0 }, { getRemainingTimeInMillis: () => 900000 });
} catch (error) {
  if (error?.code !== 'unknown_workflow') throw error;
  firstUse = performance.now() - t1;
}
console.log(JSON.stringify({ importMs: t1 - t0, firstUseMs: firstUse, rssMb: process.memoryUsage().rss / 1048576 }));
`;

const env = {
  ...process.env,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  CAIRN_TABLE: 'bench',
  CAIRN_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
  CAIRN_SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/bench',
  CAIRN_SCHEDULE_GROUP: 'bench',
};

function measure(file: string) {
  const samples: { importMs: number; firstUseMs: number; rssMb: number; processMs: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', MEASURE, pathToFileURL(file).href], { env, cwd: work }).toString();
    samples.push({ ...JSON.parse(out), processMs: performance.now() - started });
  }
  const pick = (key: keyof (typeof samples)[number]) => {
    const sorted = samples.map((sample) => sample[key]).sort((a, b) => a - b);
    return { p50: sorted[Math.floor(sorted.length / 2)]!, p90: sorted[Math.floor(sorted.length * 0.9)]! };
  };
  return { importMs: pick('importMs'), firstUseMs: pick('firstUseMs'), processMs: pick('processMs'), rssMb: pick('rssMb') };
}

const baseline = (() => {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    execFileSync(process.execPath, ['--input-type=module', '-e', '0'], { cwd: work });
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
})();

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (value: { p50: number; p90: number }) => `p50 ${value.p50.toFixed(1)} ms, p90 ${value.p90.toFixed(1)} ms`;

try {
  console.log(`Cairn Lambda cold start (examples/aws-lambda/handler.ts), ${RUNS} fresh processes each, Node ${process.version}`);
  console.log(`empty node process: p50 ${baseline.toFixed(1)} ms`);
  for (const [name, external] of [
    ['all bundled (AWS SDK included)', []],
    ['AWS SDK external (provided by the nodejs22.x runtime)', ['@aws-sdk/*', '@smithy/*']],
  ] as const) {
    const built = await bundle(name.startsWith('all') ? 'full' : 'sdk-external', [...external]);
    const figures = measure(built.outfile);
    console.log(`\n${name}`);
    console.log(`  bundle size:      ${kb(built.bytes)} (gzip ${kb(built.gzip)})`);
    console.log(`  init (import):    ${ms(figures.importMs)}`);
    console.log(`  first use (clients + runtime, in the first invocation): ${ms(figures.firstUseMs)}`);
    console.log(`  whole process:    ${ms(figures.processMs)}; rss ${figures.rssMb.p50.toFixed(1)} MiB`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
