// Runs the built `cairn` bin as a user would: a child process, with its own cwd and environment.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_DIR = fileURLToPath(new URL('..', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = `${CLI_DIR}dist/cli.js`;

/** The newest modification time of the files under `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * Builds the bin when its dist is missing or older than its sources (JS only: the type declarations take long
 * and these tests do not need them). CI builds everything before testing, so nothing is rebuilt there: a
 * rebuild empties dist/ for a moment, which would race other test files that read it (the packaging tests pack it).
 */
export function buildCli(): void {
  const tsup = `${ROOT}node_modules/tsup/dist/cli-default.js`;
  for (const dep of ['packages/core', 'adapters/store-sqlite', 'adapters/host-node']) {
    if (!existsSync(`${ROOT}${dep}/dist/index.js`)) execFileSync(process.execPath, [tsup], { cwd: `${ROOT}${dep}`, stdio: 'pipe' });
  }
  // The explorer's UI is built by Vite, then its Node side by tsup: its own build script.
  if (!existsSync(`${ROOT}packages/explorer/dist/ui/index.html`))
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: `${ROOT}packages/explorer`, stdio: 'pipe' });
  if (existsSync(BIN) && statSync(BIN).mtimeMs >= newest(`${CLI_DIR}src`)) return;
  execFileSync(process.execPath, [tsup, '--no-dts'], { cwd: CLI_DIR, stdio: 'pipe' });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cairn(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Parses --json output, failing with the process's stderr when it is not JSON. */
export function json<T = any>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout}\n${result.stderr}`);
  }
}

/** Starts the fixture runner on the database; resolves once it is polling. */
export function startRunner(db: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [`${FIXTURES}runner.ts`], { env: { ...process.env, CAIRN_DB: db }, stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`runner exited with ${code}: ${errors}`)));
  });
}

export async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
