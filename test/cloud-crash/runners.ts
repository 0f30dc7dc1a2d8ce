// The runner processes of a crash test: the child bundled once with esbuild (so each restart is a plain
// `node child.mjs`), started, killed by PID, and their per-process logs read back.

import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface Runners {
  /** Removes the bundled child. */
  dispose(): void;
  /** The file each execution of a step body is logged to (one row per execution). */
  readonly effectsPath: string;
  start(): ChildProcess;
  /** Resolves once the runner has started (recovered what was due and polled once), or has exited. */
  ready(child: ChildProcess): Promise<void>;
  /** Every runner still alive. */
  readonly alive: ReadonlySet<ChildProcess>;
}

/** Bundles the child into `dir` and creates the effects file; `args` follow `<store> <effectsPath>` on its command line. */
export async function prepareRunners(dir: string, store: 'dynamodb' | 'firestore' | 'postgres', args: string[]): Promise<Runners> {
  // Inside the repository, so that the child's packages resolve from its node_modules: they stay out of the bundle
  // (google-gax finds its protos by path).
  const buildDir = join(root, 'node_modules/.cache/cairn-crash', basename(dir));
  const childPath = join(buildDir, 'child.mjs');
  const effectsPath = join(dir, 'effects.db');
  const effects = new DatabaseSync(effectsPath);
  effects.exec('PRAGMA journal_mode = WAL');
  effects.exec('CREATE TABLE effects (instance_id TEXT NOT NULL, step TEXT NOT NULL, attempt INTEGER NOT NULL, pid INTEGER NOT NULL)');
  effects.close();
  await build({
    entryPoints: [fileURLToPath(new URL('./child.ts', import.meta.url))],
    outfile: childPath,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'error',
    packages: 'external',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    alias: {
      '@cairn/core': join(root, 'packages/core/src/index.ts'),
      '@cairn/store-dynamodb': join(root, 'adapters/store-dynamodb/src/index.ts'),
      '@cairn/store-firestore': join(root, 'adapters/store-firestore/src/index.ts'),
      '@cairn/store-postgres': join(root, 'adapters/store-postgres/src/index.ts'),
      '@cairn/host-node': join(root, 'adapters/host-node/src/index.ts'),
    },
  });
  const alive = new Set<ChildProcess>();
  return {
    effectsPath,
    alive,
    dispose: () => rmSync(buildDir, { recursive: true, force: true }),
    start() {
      // stderr is not read, so not piped: a full pipe would stall the child.
      const child = spawn(process.execPath, [childPath, store, effectsPath, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
      alive.add(child);
      child.on('exit', () => alive.delete(child));
      return child;
    },
    ready: (child) =>
      new Promise((resolve) => {
        let seen = '';
        child.stdout?.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.includes('started')) resolve();
        });
        child.once('exit', () => resolve());
      }),
  };
}

export function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** How many times each (instance, step) body ran, from the effects file. */
export function executions(effectsPath: string): Map<string, number> {
  const effects = new DatabaseSync(effectsPath, { readOnly: true });
  try {
    const counts = new Map<string, number>();
    for (const row of effects.prepare('SELECT instance_id AS id, step, count(*) AS n FROM effects GROUP BY 1, 2').all()) {
      counts.set(`${row.id}:${row.step}`, row.n as number);
    }
    return counts;
  } finally {
    effects.close();
  }
}

/** Lines `prefix-<pid>.log` files hold, parsed as JSON rows. */
export function readLogs(dir: string, prefix: string): Array<Array<string | number>> {
  const rows: Array<Array<string | number>> = [];
  for (const file of readdirSync(dir).filter((name) => name.startsWith(`${prefix}-`))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) if (line) rows.push(JSON.parse(line) as Array<string | number>);
  }
  return rows;
}
