// Starts the Firestore emulator of `@firestore-emulator/server` (a gRPC server written in Node) on a free
// port of 127.0.0.1, in a child process, for tests and benches. The package's own `FirestoreServer.start()`
// binds 0.0.0.0, so the child binds the package's gRPC server itself to 127.0.0.1:0 and reports the port
// the kernel picked. The child exits when its stdin closes, so it never outlives a crashed parent.
//
// Use it with `new Firestore(firestoreClientSettings(emulator))`. (FIRESTORE_EMULATOR_HOST=`${host}:${port}`
// also works, but then pass `authClient` too, or the client probes the GCE metadata server.) Its known gaps (no transaction
// isolation, update-time preconditions ignored, query cursors ignored, no BatchWrite/ListDocuments, commits
// not atomic) are demonstrated by adapters/store-firestore/test/emulator-fidelity.test.ts.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { OAuth2Client } from 'google-auth-library';

export interface FirestoreEmulator {
  /** `127.0.0.1` */
  host: string;
  port: number;
  /** Kills the emulator process (by its PID) and waits for it to exit. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const STARTUP_TIMEOUT_MS = 30_000;

// Runs in the child (CommonJS, `node -e`). `server` is a TypeScript-private field of FirestoreServer.
const CHILD = `
const { ServerCredentials } = require(process.env.CAIRN_GRPC_PATH);
const { FirestoreServer } = require(process.env.CAIRN_EMULATOR_PATH);
const emulator = new FirestoreServer();
emulator.server.bindAsync('${HOST}:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error) { console.error(String(error)); process.exit(1); }
  process.stdout.write('cairn-firestore-emulator-port ' + port + '\\n');
});
process.stdin.on('close', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => { emulator.stop(); process.exit(0); });
`;

function resolvePaths(): { emulator: string; grpc: string } {
  const require = createRequire(import.meta.url);
  const emulator = require.resolve('@firestore-emulator/server');
  // The gRPC library the emulator itself loads, so that ServerCredentials matches its Server class.
  const grpc = createRequire(emulator).resolve('@grpc/grpc-js');
  return { emulator, grpc };
}

/**
 * Settings for `new Firestore(...)` that point the client at an emulator: no TLS (the client then sends
 * `Bearer owner`), and an empty auth client, so that the client never probes the GCE metadata server
 * (without one, google-auth-library looks up metadata.google.internal / 169.254.169.254).
 */
export function firestoreClientSettings(emulator: Pick<FirestoreEmulator, 'host' | 'port'>, projectId = 'demo-cairn') {
  return {
    projectId,
    host: emulator.host,
    port: emulator.port,
    ssl: false,
    authClient: new OAuth2Client(),
  };
}

export async function startFirestoreEmulator(): Promise<FirestoreEmulator> {
  const paths = resolvePaths();
  const child = spawn(process.execPath, ['-e', CHILD], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, CAIRN_EMULATOR_PATH: paths.emulator, CAIRN_GRPC_PATH: paths.grpc },
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8_000);
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      }, 5_000);
      await exited;
      clearTimeout(timer);
    }
    child.stdin?.destroy();
  };

  const port = await new Promise<number>((resolvePort, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Firestore emulator did not start within ${STARTUP_TIMEOUT_MS} ms:\n${log}`)), STARTUP_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /cairn-firestore-emulator-port (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`Firestore emulator exited (${code ?? signal}) before listening:\n${log}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  // Keep draining stdout so the child never blocks on a full pipe.
  child.stdout?.resume();
  return { host: HOST, port, stop };
}
