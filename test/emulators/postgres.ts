// A private PostgreSQL server for tests: Debian's binaries (apt's `postgresql`), a fresh data directory in the
// temp folder, a free port on 127.0.0.1 only, trust authentication for one user, and `synchronous_commit=on`
// (a commit is on disk before it is acknowledged, as a production server does). Run as root (as in CI), the
// server runs as the `postgres` user, since PostgreSQL refuses root. `stop()` ends the server this started, by
// PID, and removes its directory.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LocalPostgres {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** `postgres://cairn@127.0.0.1:<port>/cairn` */
  readonly url: string;
  /** The directory of the server's Unix socket (pg's `host` for a local connection without TCP). */
  readonly socketDir: string;
  /** Creates a new empty database and returns its name. */
  createDatabase(prefix?: string): Promise<string>;
  stop(): Promise<void>;
}

const USER = 'cairn';

/** The newest installed server's bin directory (`/usr/lib/postgresql/<major>/bin`), or `PG_BIN`. */
export function postgresBin(): string {
  const given = process.env.PG_BIN;
  if (given) return given;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)) : [];
  const major = majors.sort((a, b) => Number(b) - Number(a)).find((name) => existsSync(join(root, name, 'bin', 'postgres')));
  if (!major) throw new Error("No PostgreSQL server found under /usr/lib/postgresql: install Debian's postgresql (apt-get install postgresql) or set PG_BIN");
  return join(root, major, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Who the server runs as: this user, or `postgres` when this is root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0) throw new Error("Running as root and there is no `postgres` user to run PostgreSQL as (apt's postgresql creates it)");
  return { uid, gid };
}

export async function startLocalPostgres(options: { settings?: Record<string, string> } = {}): Promise<LocalPostgres> {
  const bin = postgresBin();
  const as = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-pg-'));
  const data = join(dir, 'data');
  if (as) chownSync(dir, as.uid, as.gid);
  chmodSync(dir, 0o700);
  const initdb = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', USER, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
    encoding: 'utf8',
    ...as,
  });
  if (initdb.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${initdb.status}): ${initdb.stderr || initdb.stdout}`);
  }
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: dir,
    synchronous_commit: 'on',
    fsync: 'on',
    max_connections: '200',
    ...options.settings,
  };
  const args = ['-D', data, ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`])];
  const server = spawn(join(bin, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], ...as });
  let log = '';
  server.stderr!.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4_000);
  });
  const stop = stopper(server, dir);
  try {
    await ready(bin, port, server, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  const url = `postgres://${USER}@127.0.0.1:${port}/postgres`;
  let created = 0;
  return {
    host: '127.0.0.1',
    port,
    user: USER,
    database: 'postgres',
    url,
    socketDir: dir,
    async createDatabase(prefix = 'cairn') {
      const name = `${prefix}_${process.pid}_${created++}`;
      const made = spawnSync(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', USER, name], { encoding: 'utf8' });
      if (made.status !== 0) throw new Error(`createdb ${name} failed: ${made.stderr}`);
      return name;
    },
    stop,
  };
}

async function ready(bin: string, port: number, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`PostgreSQL exited (${server.exitCode}): ${log()}`);
    const probe = spawnSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', USER], { encoding: 'utf8' });
    if (probe.status === 0) return;
    if (Date.now() > deadline) throw new Error(`PostgreSQL did not start in 30 s: ${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function stopper(server: ChildProcess, dir: string): () => Promise<void> {
  let stopped: Promise<void> | undefined;
  return () =>
    (stopped ??= (async () => {
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
        // SIGINT: fast shutdown (active connections are closed, nothing is left to recover).
        server.kill('SIGINT');
        const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    })());
}
