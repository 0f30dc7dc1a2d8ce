// examples/cloud-run/Dockerfile, built without a Docker daemon: its instructions are read and performed in a
// scratch folder (a root per stage; the build context is this repository as a clean clone has it, less what
// Dockerfile.dockerignore leaves out), and the final stage's CMD is started and driven to a completed order,
// woken by the Cloud Tasks stand-in, then stopped with SIGTERM. What cannot be performed here is named:
// FROM gives the stage this machine's Node.js rather than the node:24-slim image, and USER is not switched.

import { execFileSync, execSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_QUEUE, spawnOrderServer, type OrderServerProcess } from '../../examples/cloud-run/scripts/spawn-server.ts';
import { startCloudTasksEmulator, type CloudTasksEmulator } from './cloud-tasks-emulator.js';
import { HMAC_SECRET } from './harness.js';
import { createOidcSigner } from './oidc-signer.js';
import { runOrderProcessJourney } from './order-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCKERFILE = join(ROOT, 'examples/cloud-run/Dockerfile');

interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions: comments dropped, continued lines joined. */
function instructions(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** Files of the build context: what a clean clone holds (tracked or new, not ignored), less the .dockerignore's. */
function contextFiles(): string[] {
  const ignored = readFileSync(`${DOCKERFILE}.dockerignore`, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((pattern) => pattern.replace(/^\*\*\//, ''));
  const listed = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  return listed.filter((file) => !ignored.some((pattern) => file === pattern || file.startsWith(`${pattern}/`) || file.split('/').includes(pattern)));
}

interface Stage {
  name: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
}

/** Performs the Dockerfile in `scratch`; returns the last stage and its CMD (exec form). */
function performDockerfile(scratch: string): { stage: Stage; cmd: string[]; skipped: string[] } {
  const stages: Stage[] = [];
  const skipped: string[] = [];
  let cmd: string[] = [];
  const inStage = (stage: Stage, path: string) => join(stage.root, path.startsWith('/') ? path : join(stage.workdir, path));
  for (const { op, args } of instructions(readFileSync(DOCKERFILE, 'utf8'))) {
    const stage = stages.at(-1);
    if (op === 'FROM') {
      const name = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? String(stages.length);
      stages.push({ name, root: join(scratch, `stage-${stages.length}`), workdir: '/', env: {} });
      mkdirSync(stages.at(-1)!.root, { recursive: true });
      continue;
    }
    if (!stage) throw new Error(`${op} before FROM`);
    if (op === 'WORKDIR') {
      stage.workdir = args.startsWith('/') ? args : join(stage.workdir, args);
      mkdirSync(inStage(stage, '.'), { recursive: true });
    } else if (op === 'ENV') {
      for (const [, key, value] of args.matchAll(/(\w+)=(\S+)/g)) stage.env[key!] = value!;
    } else if (op === 'COPY') {
      const from = /^--from=(\S+)\s+/.exec(args);
      const [src = '', dest = ''] = (from ? args.slice(from[0].length) : args).split(/\s+/);
      const target = inStage(stage, dest);
      if (from) {
        const source = stages.find((candidate) => candidate.name === from[1])!;
        cpSync(join(source.root, src), target, { recursive: true });
      } else {
        expect(src, 'the build context is copied whole').toBe('.');
        for (const file of contextFiles()) {
          mkdirSync(dirname(join(target, file)), { recursive: true });
          cpSync(join(ROOT, file), join(target, file));
        }
      }
    } else if (op === 'RUN') {
      // This machine's Node.js and npm stand for the base image's.
      execSync(args, {
        cwd: inStage(stage, '.'),
        env: { ...process.env, ...stage.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
        stdio: 'pipe',
        timeout: 8 * 60_000,
      });
    } else if (op === 'CMD') {
      cmd = JSON.parse(args) as string[];
    } else if (op === 'USER') {
      skipped.push(`USER ${args}`);
    } else {
      throw new Error(`the Dockerfile uses ${op}, which this test cannot perform yet`);
    }
  }
  return { stage: stages.at(-1)!, cmd, skipped };
}

describe('examples/cloud-run/Dockerfile', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cairn-image-'));
  let emulator: CloudTasksEmulator | undefined;
  let server: OrderServerProcess | undefined;
  afterAll(async () => {
    await server?.stop();
    await emulator?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('builds from a clean checkout and its command serves an order to completion', { timeout: 15 * 60_000 }, async () => {
    const { stage, cmd, skipped } = performDockerfile(scratch);
    expect(skipped).toEqual(['USER node']);
    const app = join(stage.root, stage.workdir);
    // The image holds the bundle and its installed dependencies, and no workspace package.
    expect(readFileSync(join(app, 'package-lock.json'), 'utf8')).toContain('"@google-cloud/tasks"');
    expect(() => readFileSync(join(app, 'node_modules/@cairn/core/package.json'))).toThrow();
    expect(cmd[0]).toBe('node');

    const signer = createOidcSigner();
    emulator = await startCloudTasksEmulator({ signer });
    emulator.createQueue(LOCAL_QUEUE);
    server = await spawnOrderServer({
      tasksHost: `${emulator.host}:${emulator.port}`,
      certs: signer.certs(),
      hmacSecret: HMAC_SECRET,
      env: stage.env,
      command: { args: cmd.slice(1), cwd: app },
    });
    await runOrderProcessJourney(server, emulator, 'image-1');
  });
});
