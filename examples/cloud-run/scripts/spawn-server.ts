// Runs examples/cloud-run/server.ts as a child process wired to local stand-ins (the Cloud Tasks
// emulator and the test OIDC signer from test/gcp), on 127.0.0.1. Used by scripts/local.ts, the
// start-up bench and the SIGTERM test. Needs the @cairn packages built (`npx tsup` in each).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LOCAL_QUEUE = 'projects/demo-cairn/locations/us-central1/queues/cairn-wakes';
export const LOCAL_TASKS_SA = 'cairn-tasks@demo-cairn.iam.gserviceaccount.com';

export interface OrderServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  output(): string;
  /** Resolves with the exit code and signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (Cloud Run's stop signal), then waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function spawnOrderServer(options: {
  tasksHost: string;
  certs: Record<string, string>;
  hmacSecret: string;
  port?: number;
  env?: Record<string, string>;
  /** Another way to start the service (the container image's command): node's arguments and the folder. @default server.ts here */
  command?: { args: string[]; cwd: string };
}): Promise<OrderServerProcess> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-orders-'));
  const certsFile = join(dir, 'certs.json');
  writeFileSync(certsFile, JSON.stringify(options.certs));
  const server = fileURLToPath(new URL('../server.ts', import.meta.url));
  const command = options.command ?? { args: ['--disable-warning=ExperimentalWarning', server], cwd: process.cwd() };
  const child = spawn(process.execPath, command.args, {
    cwd: command.cwd,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      CAIRN_SERVICE_URL: url,
      CAIRN_QUEUE: LOCAL_QUEUE,
      CAIRN_TASKS_SERVICE_ACCOUNT: LOCAL_TASKS_SA,
      CAIRN_HMAC_SECRET: options.hmacSecret,
      CAIRN_STORE: 'memory',
      CLOUD_TASKS_EMULATOR_HOST: options.tasksHost,
      CAIRN_OIDC_CERTS_FILE: certsFile,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, signal });
    }),
  );
  return {
    child,
    url,
    port,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
