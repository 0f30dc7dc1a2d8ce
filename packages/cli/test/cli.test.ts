// The real `cairn` bin against a real SQLite file, with a local runner in another process.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, cairn, FIXTURES, json, startRunner, until } from './support.ts';

let dir: string;
let db: string;
let runner: ChildProcess | undefined;
const run = (...args: string[]) => cairn(args, { cwd: dir });

beforeAll(() => {
  buildCli();
  dir = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
  db = join(dir, 'cairn.db');
  const workflows = join(FIXTURES, 'workflows.ts');
  writeFileSync(
    join(dir, 'cairn.config.json'),
    JSON.stringify({
      store: { type: 'sqlite', path: './cairn.db' },
      workflows: { ORDER: `${workflows}#OrderWorkflow`, QUICK: workflows, BROKEN: `${workflows}#BrokenWorkflow` },
    }),
  );
});

afterAll(() => {
  if (runner?.pid !== undefined && runner.exitCode === null) process.kill(runner.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

// Independent processes: run side by side.
describe.concurrent('usage', () => {
  it('prints help and exits 0', async () => {
    const result = await run('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('cairn instances <command>');
  });

  it.each([
    [['frobnicate'], 'Unknown command "frobnicate"'],
    [['instances', 'explode'], 'Unknown command "instances explode"'],
    [['instances', 'list', '--bogus'], "Unknown option '--bogus'"],
    [['instances', 'list', '--status', 'sleeping'], 'Invalid --status "sleeping": expected one of queued'],
    [['instances', 'list', '--limit', '0'], 'Invalid --limit "0": must be at least 1'],
    [['instances', 'describe', 'ORDER'], 'Missing argument <id>'],
    [['instances', 'describe', 'ORDER', 'a', 'b'], 'Unexpected argument "b"'],
    [['instances', 'create', 'QUICK', '--params', '{nope'], 'Invalid --params: not valid JSON'],
    [['instances', 'create', 'QUICK', '--params', '@missing.json'], 'Cannot read --params file'],
    [['instances', 'pause', 'ORDER', 'x', '--wait'], 'Option --wait does not apply to "instances pause"'],
    [['instances', 'send-event', 'ORDER', 'x'], 'Missing option --type'],
    [['instances', 'list', '--config', 'nowhere.json'], 'Invalid --config: no such file'],
    [['dev', '--host', '10.0.0.5'], 'Invalid --host "10.0.0.5": cairn dev serves without authentication'],
    [['dev', '--port', '70000'], 'Invalid --port "70000": must be 0 to 65535'],
    [['dev', '--token-env', 'MY_TOKEN'], '--hmac-secret-env and --token-env go with --url'],
    [['dev', '--url', 'ftp://example.com'], 'Invalid --url "ftp://example.com"'],
    [['workflows', 'explode'], 'Unknown command "workflows explode"'],
  ])('%j exits 2 naming the argument', async (args, message) => {
    const result = await run(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    // One line, then where help is: not the whole usage.
    expect(result.stderr).toMatch(/^cairn: [^\n]+\nRun "cairn --help" for usage\.\n$/);
    expect(result.stdout).toBe('');
  });

  it('--version prints the version', async () => {
    const result = await run('--version');
    expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
  });

  it('workflows list shows each bound workflow, its class and its instances by status', async () => {
    const result = await run('workflows', 'list');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/^BINDING\s+NAME\s+CLASS\s+INSTANCES$/);
    expect(result.stdout).toMatch(/^ORDER\s+ORDER\s+OrderWorkflow\s+/m);
    expect(result.stdout).toMatch(/^QUICK\s+QUICK\s+QuickWorkflow\s+/m);
  });

  it('a command on a workflow the config does not bind says so and lists the bound ones', async () => {
    const result = await run('instances', 'describe', 'NOPE', 'x');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('cairn: No workflow is bound as "NOPE"; bound workflows: ORDER, QUICK, BROKEN\n');
  });

  it('reports a config error naming the field, exit 1', async () => {
    const bad = join(dir, 'bad.config.json');
    writeFileSync(bad, JSON.stringify({ store: { type: 'postgres' }, workflows: {} }));
    const result = await run('instances', 'list', '--config', bad);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Invalid config .*bad\.config\.json at "store\.type"/);
  });
});

describe('create --wait (in this process)', () => {
  it('runs to completion and prints the output', async () => {
    const result = await run('instances', 'create', 'QUICK', '--id', 'q-1', '--params', '{"n":21}', '--wait');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('QUICK/q-1: complete');
    expect(result.stdout).toContain('output: {"doubled":42}');
    expect(result.stderr).toContain('do double: completed');
  });

  it('reads --params from a file and prints JSON', async () => {
    writeFileSync(join(dir, 'params.json'), '{"n":5}');
    const result = await run('instances', 'create', 'QUICK', '--id', 'q-2', '--params', '@params.json', '--wait', '--json');
    expect(result.code).toBe(0);
    expect(json(result)).toMatchObject({ workflow: 'QUICK', id: 'q-2', status: 'complete', output: { doubled: 10 }, params: { n: 5 } });
  });

  it('retries, sleeps through a suspension and stops at the event wait, showing each step', async () => {
    const result = await run('instances', 'create', 'ORDER', '--id', 'o-1', '--params', '{"orderId":"A-1"}', '--wait');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ORDER/o-1: waiting');
    const lines = result.stderr.split('\n');
    const at = (text: string) => lines.findIndex((line) => line.includes(text));
    expect(at('do charge: attempt 1 failed: card declined')).toBeGreaterThanOrEqual(0);
    expect(at('do charge: completed on attempt 2')).toBeGreaterThan(at('attempt 1 failed'));
    expect(at('sleep cool-off: sleeping 1.20s')).toBeGreaterThan(at('completed on attempt 2'));
    expect(at('wait approval: waiting for event "approved"')).toBeGreaterThan(at('cool-off'));
  });

  it('exits 1 when the instance errors, with its error', async () => {
    const result = await run('instances', 'create', 'BROKEN', '--id', 'b-1', '--wait');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('error: NonRetryableError: no stock left');
  });

  it('a duplicate id is a CairnError: its message, exit 1', async () => {
    const result = await run('instances', 'create', 'QUICK', '--id', 'q-1');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('cairn: Workflow instance "q-1" of "QUICK" already exists\n');
  });

  it('an unknown workflow is named', async () => {
    const result = await run('instances', 'create', 'NOPE');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No workflow is bound as "NOPE"; bound workflows: ORDER, QUICK, BROKEN');
  });
});

describe('control, with a local runner in another process', () => {
  beforeAll(async () => {
    runner = await startRunner(db);
  });

  it('create only enqueues; the runner picks the instance up from the due index', async () => {
    const created = await run('instances', 'create', 'QUICK', '--id', 'q-runner', '--params', '{"n":4}', '--json');
    expect(created.code).toBe(0);
    expect(json(created).status).toBe('queued');
    const done = await until(async () => {
      const described = json(await run('instances', 'describe', 'QUICK', 'q-runner', '--json'));
      return described.status === 'complete' ? described : undefined;
    }, 'q-runner to complete');
    expect(done.output).toEqual({ doubled: 8 });
  });

  it('send-event wakes the waiting instance; describe shows the timeline', async () => {
    const sent = await run('instances', 'send-event', 'ORDER', 'o-1', '--type', 'approved', '--payload', '{"by":"ann"}');
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain('Sent event "approved" to ORDER/o-1');
    await until(async () => (json(await run('instances', 'describe', 'ORDER', 'o-1', '--json')).status === 'complete' ? true : undefined), 'o-1 to complete');

    const described = await run('instances', 'describe', 'ORDER', 'o-1');
    expect(described.code).toBe(0);
    const text = described.stdout;
    expect(text).toMatch(/^status\s+complete$/m);
    expect(text).toMatch(/^output\s+\{"charged":"A-1","approvedBy":"ann"\}$/m);
    const table = text.slice(text.indexOf('STEP'));
    const rows = table.split('\n').map((line) => line.split(/\s{2,}/));
    expect(rows[0]).toEqual(['STEP', 'KIND', 'STATE', 'ATTEMPTS', 'START', 'DURATION', 'OUTPUT', 'ERROR']);
    expect(rows[1]).toEqual([
      'charge',
      'do',
      'completed',
      '2',
      expect.stringMatching(/^\+/),
      expect.any(String),
      '{"charged":"A-1"}',
      'attempt 1: card declined',
    ]);
    expect(rows[2]!.slice(0, 4)).toEqual(['cool-off', 'sleep', 'slept', '-']);
    expect(rows[2]![5]).toBe('1.20s');
    expect(rows[3]!.slice(0, 3)).toEqual(['approval', 'wait', 'received']);
    // Columns line up: every row's START ends where the header's does.
    const end = table.split('\n')[0]!.indexOf('START') + 'START'.length;
    for (const line of table.split('\n').slice(1, 4)) expect(line[end - 1]).toMatch(/\S/);

    const asJson = json(await run('instances', 'describe', 'ORDER', 'o-1', '--json'));
    expect(asJson.steps.map((s: { name: string; state: string; attempts: number | null }) => [s.name, s.state, s.attempts])).toEqual([
      ['charge', 'completed', 2],
      ['cool-off', 'slept', null],
      ['approval', 'received', null],
    ]);
    expect(asJson.events).toEqual([expect.objectContaining({ type: 'approved', payload: { by: 'ann' } })]);
  });

  it('pause, resume, terminate, restart and delete an instance', async () => {
    await run('instances', 'create', 'ORDER', '--id', 'o-2', '--params', '{"orderId":"B-2"}');
    const status = async () => json(await run('instances', 'describe', 'ORDER', 'o-2', '--json')).status as string;
    await until(async () => ((await status()) === 'waiting' ? true : undefined), 'o-2 to wait for its event');

    const paused = await run('instances', 'pause', 'ORDER', 'o-2');
    expect(paused.stdout).toBe('Paused ORDER/o-2; status: paused\n');
    const resumed = await run('instances', 'resume', 'ORDER', 'o-2', '--json');
    expect(json(resumed).status).toBe('queued');
    await until(async () => ((await status()) === 'waiting' ? true : undefined), 'o-2 to wait again');

    const terminated = await run('instances', 'terminate', 'ORDER', 'o-2');
    expect(terminated.code).toBe(0);
    expect(await status()).toBe('terminated');
    const again = await run('instances', 'terminate', 'ORDER', 'o-2');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('it is already terminated');
    for (const command of ['pause', 'resume']) {
      const refused = await run('instances', command, 'ORDER', 'o-2');
      expect(refused.code, `${command} of a finished instance`).toBe(1);
      expect(refused.stderr).toContain(`Cannot ${command} workflow instance "o-2": it is already terminated`);
    }

    const restarted = await run('instances', 'restart', 'ORDER', 'o-2');
    expect(restarted.code).toBe(0);
    await until(async () => ((await status()) === 'waiting' ? true : undefined), 'o-2 to run again');
    expect(json(await run('instances', 'describe', 'ORDER', 'o-2', '--json')).generation).toBe(1);
    // From a sleep: the charge is kept, the sleep and the wait run again.
    const fromSleep = await run('instances', 'restart', 'ORDER', 'o-2', '--from', 'cool-off');
    expect(fromSleep.code, fromSleep.stderr).toBe(0);
    await until(async () => ((await status()) === 'waiting' ? true : undefined), 'o-2 to run again from its sleep');
    const steps = json(await run('instances', 'describe', 'ORDER', 'o-2', '--json')).steps as Array<{ name: string; attempts: number | null }>;
    expect(steps.find((step) => step.name === 'charge')?.attempts).toBe(2);

    await run('instances', 'create', 'ORDER', '--id', 'o-3', '--params', '{"orderId":"B-3"}');
    const o3 = async () => json(await run('instances', 'describe', 'ORDER', 'o-3', '--json')).status as string;
    await until(async () => ((await o3()) === 'waiting' ? true : undefined), 'o-3 to wait for its event');
    const rolledBack = await run('instances', 'terminate', 'ORDER', 'o-3', '--rollback');
    expect(rolledBack.stdout).toMatch(/^Terminating \(its rollbacks run first\) ORDER\/o-3; status: \w+\n$/);
    await until(async () => ((await o3()) === 'terminated' ? true : undefined), 'the runner to terminate o-3');
    const deleted = await run('instances', 'delete', 'ORDER', 'o-3');
    expect(deleted).toMatchObject({ code: 0, stdout: 'Deleted ORDER/o-3\n' });
    expect((await run('instances', 'describe', 'ORDER', 'o-3')).code).toBe(1);
    expect((await run('instances', 'delete', 'ORDER', 'o-3')).code).toBe(1);
  });

  it('create --wait, with a runner alive, returns at the first event wait', async () => {
    const started = Date.now();
    const result = await run('instances', 'create', 'ORDER', '--id', 'o-wait', '--params', '{"orderId":"W-1"}', '--wait');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('ORDER/o-wait: waiting');
    expect(result.stdout).toContain('waiting for an event until');
    expect(result.stderr).not.toContain('undefined');
    // Well before the wait's one-hour timeout.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect((await run('instances', 'delete', 'ORDER', 'o-wait')).code).toBe(0);
  });

  it('describe shortens step outputs, --full shows them whole', async () => {
    const text = `${'x'.repeat(300)}END`;
    await run('instances', 'create', 'QUICK', '--id', 'q-long', '--params', JSON.stringify({ n: 21, text }), '--wait');
    const short = await run('instances', 'describe', 'QUICK', 'q-long');
    expect(short.code, short.stderr).toBe(0);
    expect(short.stdout).toMatch(/^echo\s.*\sx{50,}…/m);
    expect(short.stdout).not.toContain('END');
    expect(short.stdout).toMatch(/^double\s.*\s42\s*$/m);
    const full = await run('instances', 'describe', 'QUICK', 'q-long', '--full');
    expect(full.stdout).toContain(text);
    // The listing tests below count instances: this one goes.
    expect((await run('instances', 'delete', 'QUICK', 'q-long')).code).toBe(0);
  });

  it('describe of a missing instance: exit 1, named', async () => {
    const result = await run('instances', 'describe', 'ORDER', 'ghost');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Workflow instance "ghost" of "ORDER" was not found');
  });
});

describe('list', () => {
  it('filters by workflow and status', async () => {
    const result = await run('instances', 'list', '--workflow', 'QUICK', '--status', 'complete', '--json');
    const ids = json(result)
      .instances.map((i: { id: string }) => i.id)
      .sort();
    expect(ids).toEqual(['q-1', 'q-2', 'q-runner']);
    const table = await run('instances', 'list', '--status', 'errored');
    expect(table.stdout.split('\n')[0]).toMatch(/^WORKFLOW\s+ID\s+STATUS\s+CREATED\s+UPDATED\s+ERROR$/);
    expect(table.stdout).toMatch(/BROKEN\s+b-1\s+errored .*NonRetryableError: no stock left/);
  });

  it('pages with --limit and --cursor, or fetches every page with --all', async () => {
    const everything = json(await run('instances', 'list', '--limit', '1000', '--json')).instances.map((i: { id: string }) => i.id);
    expect(everything.length).toBe(6);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = json(await run('instances', 'list', '--limit', '4', '--json', ...(cursor ? ['--cursor', cursor] : [])));
      seen.push(...page.instances.map((i: { id: string }) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(everything);

    const firstPage = await run('instances', 'list', '--limit', '4');
    expect(firstPage.stderr).toMatch(/More instances: add --cursor \S+/);

    const all = await run('instances', 'list', '--limit', '2', '--all', '--json');
    expect(json(all).instances.map((i: { id: string }) => i.id)).toEqual(everything);
    expect(json(all).nextCursor).toBeUndefined();
    expect(all.stderr).toContain('list: fetched 2 instances (page 1)');
    expect(all.stderr).toContain('list: fetched 4 instances (page 2)');
    const quiet = await run('instances', 'list', '--limit', '2', '--all', '--quiet');
    expect(quiet.stderr).toBe('');
  });
});

describe('module configs (cairn.config.ts)', () => {
  it('a function default export with the memory store, found in the cwd', async () => {
    const result = await cairn(['instances', 'create', 'QUICK', '--params', '{"n":2}', '--wait', '--json'], { cwd: FIXTURES });
    expect(result.code).toBe(0);
    expect(json(result)).toMatchObject({ status: 'complete', output: { doubled: 4 } });
  });

  it('a store object, given with --config, sees the same database', async () => {
    const result = await cairn(['instances', 'describe', 'QUICK', 'q-1', '--config', join(FIXTURES, 'sqlite.config.ts'), '--json'], {
      cwd: dir,
      env: { CAIRN_DB: db },
    });
    expect(result.code).toBe(0);
    expect(json(result)).toMatchObject({ id: 'q-1', status: 'complete' });
  });
});
