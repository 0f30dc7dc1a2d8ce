// Starts AWS's DynamoDB Local (the jar shipped in amplify-dynamodb-simulator) on a free port of 127.0.0.1,
// in memory, for tests and benches. DynamoDB Local has no `-host` option: its Jetty server listens on
// every interface. So a tiny Java launcher (run by Java's single-file source mode) builds the server the
// way `DynamoDBLocal.jar` does, then binds its connectors to 127.0.0.1 before starting it. The command is
// `java -Djava.library.path=<emulator>/DynamoDBLocal_lib -cp <emulator>/DynamoDBLocal.jar:<launcher>
// CairnLoopbackDynamoDBLocal -inMemory -disableTelemetry -port <free port>`.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DynamoDBLocal {
  /** `http://127.0.0.1:<port>`: pass as the client's `endpoint`. */
  endpoint: string;
  port: number;
  /** Kills the emulator process (by its PID) and waits for it to exit. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const STARTUP_TIMEOUT_MS = 60_000;

const LAUNCHER = `
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public class CairnLoopbackDynamoDBLocal {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    java.lang.reflect.Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) ((ServerConnector) connector).setHost("${HOST}");
    proxy.start();
    System.out.println("cairn: DynamoDB Local listening on ${HOST}");
    proxy.join();
  }
}
`;

function emulatorDir(): string {
  const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
  const dir = join(root, 'node_modules', 'amplify-dynamodb-simulator', 'emulator');
  if (!existsSync(join(dir, 'DynamoDBLocal.jar'))) {
    throw new Error(`DynamoDB Local jar not found in ${dir}: is amplify-dynamodb-simulator installed?`);
  }
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    const socket = connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolveAnswer(true);
    });
    socket.once('error', () => resolveAnswer(false));
  });
}

/** Waits until DynamoDB answers an HTTP request (any status: it needs no credentials to say it is up). */
async function waitUntilUp(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < STARTUP_TIMEOUT_MS) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`DynamoDB Local exited (${child.exitCode ?? child.signalCode}) before answering:\n${output()}`);
    }
    if (await answers(port)) {
      try {
        const response = await fetch(`http://${HOST}:${port}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
          body: '{}',
        });
        await response.arrayBuffer();
        return;
      } catch {
        // Not ready yet.
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`DynamoDB Local did not answer on ${HOST}:${port} within ${STARTUP_TIMEOUT_MS} ms:\n${output()}`);
}

/**
 * The launcher's class path: compiled once with javac into a cache directory shared by every test file
 * (compiling it on each start costs seconds); without javac, Java's single-file source mode runs it.
 */
function launcher(jar: string, work: string): string[] {
  const hash = createHash('sha256').update(LAUNCHER).update(jar).digest('hex').slice(0, 16);
  const cache = join(tmpdir(), `cairn-ddb-launcher-${hash}`);
  const compiled = join(cache, 'CairnLoopbackDynamoDBLocal.class');
  const source = join(work, 'CairnLoopbackDynamoDBLocal.java');
  writeFileSync(source, LAUNCHER);
  if (!existsSync(compiled)) {
    const staging = join(work, 'classes');
    mkdirSync(staging);
    const javac = spawnSync('javac', ['-cp', jar, '-d', staging, source], { encoding: 'utf8' });
    if (javac.status !== 0) return ['-cp', jar, source];
    try {
      // Atomic: a concurrent test file either sees the whole directory or compiles its own.
      renameSync(staging, cache);
    } catch {
      if (!existsSync(compiled)) return ['-cp', `${jar}:${staging}`, 'CairnLoopbackDynamoDBLocal'];
    }
  }
  return ['-cp', `${jar}:${cache}`, 'CairnLoopbackDynamoDBLocal'];
}

export async function startDynamoDBLocal(): Promise<DynamoDBLocal> {
  const dir = emulatorDir();
  const work = mkdtempSync(join(tmpdir(), 'cairn-ddb-local-'));
  const port = await freePort();
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      ...launcher(join(dir, 'DynamoDBLocal.jar'), work),
      '-inMemory',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
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
    rmSync(work, { recursive: true, force: true });
  };

  try {
    await waitUntilUp(child, port, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint: `http://${HOST}:${port}`, port, stop };
}
