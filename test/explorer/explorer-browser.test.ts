// The web explorer in a real browser (Debian's chromium, driven by playwright-core): `cairn dev` on SQLite runs
// the quick-start's order workflow; the test lists instances, filters them, opens one, checks the timeline shows
// its steps and the retried payment's attempts, pauses and resumes it, sends the event it waits for and sees it
// complete. Screenshots of the list and the instance page go to .artifacts/explorer/. Runs the built CLI.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const artifacts = join(root, '.artifacts/explorer');
const dir = mkdtempSync(join(tmpdir(), 'cairn-explorer-ui-'));

function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((path): path is string => Boolean(path));
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`No Chromium found (tried ${candidates.join(', ')}): install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  return found;
}

let dev: ChildProcess;
let url: string;
let output = '';
let browser: Browser;
let page: Page;

async function until<T>(check: () => Promise<T | false | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const apiCall = async (method: string, path: string, body?: unknown) =>
  (
    await fetch(`${url}/cdn-cgi/local/explorer/api${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    })
  ).json() as Promise<any>;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(
    join(dir, 'cairn.config.json'),
    JSON.stringify({
      store: { type: 'sqlite', path: join(dir, 'explorer.db') },
      workflows: { ORDER: `${join(root, 'examples/local-quickstart/src/workflow.ts')}#OrderWorkflow` },
    }),
  );
  dev = spawn(process.execPath, [join(root, 'packages/cli/dist/cli.js'), 'dev', '--port', '0', '--config', join(dir, 'cairn.config.json')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  dev.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  url = await until(async () => /explorer: +(http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1], `cairn dev to listen:\n${output}`);
  for (let i = 1; i <= 3; i++) await apiCall('POST', '/workflows/ORDER/instances', { id: `other-${i}`, params: { orderId: `other-${i}`, amount: i } });
  await apiCall('POST', '/workflows/ORDER/instances', { id: 'o-ui', params: { orderId: 'o-ui', amount: 42 } });
  browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (dev && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev.once('exit', resolve));
    dev.kill('SIGINT');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('the web explorer in Chromium', () => {
  it('lists workflows and instances, filters by status, and finds an instance by id', async () => {
    await page.goto(`${url}/`);
    await page.getByRole('link', { name: 'ORDER', exact: true }).click();
    await page.getByRole('table', { name: 'Instances of ORDER' }).waitFor();
    for (const id of ['o-ui', 'other-1', 'other-2', 'other-3']) await page.getByRole('link', { name: id, exact: true }).waitFor();
    // Every instance soon waits for its approval: the filter keeps them, another status shows none.
    await until(async () => (await apiCall('GET', '/workflows/ORDER')).result.instances.waiting === 4, 'four waiting instances');
    await page.getByLabel('Status').selectOption('waiting');
    await page.getByRole('link', { name: 'o-ui', exact: true }).waitFor();
    await page.getByLabel('Status').selectOption('complete');
    await page.getByText('No instances with status complete.').waitFor();
    await page.getByLabel('Status').selectOption('');
    await page.getByRole('link', { name: 'o-ui', exact: true }).waitFor();
    await page.screenshot({ path: join(artifacts, 'instances.png'), fullPage: true });
    await page.getByLabel('Instance id').fill('o-ui');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('heading', { name: /o-ui/ }).waitFor();
  });

  it('shows the timeline: each step on the time axis, the payment attempts that failed and the one that passed', async () => {
    const charge = page.getByRole('option', { name: /^charge payment-1, step, completed/ });
    await charge.waitFor();
    expect(await charge.locator('.seg.attempt-failed').count()).toBe(2);
    expect(await charge.locator('.seg.attempt-ok').count()).toBe(1);
    expect(await charge.locator('.seg.retry-gap').count()).toBe(2);
    await page.getByRole('option', { name: /^fraud-check cool-off-1, sleep, slept/ }).waitFor();
    await page.getByRole('option', { name: /^manager approval-1, waitForEvent, waiting/ }).waitFor();
    // Keyboard: the rows are a listbox; the arrow keys move the selection and the details follow.
    await page.getByRole('listbox').focus();
    await page.keyboard.press('Home');
    await page.getByRole('heading', { name: /charge payment-1 \(step\)/ }).waitFor();
    await expect.poll(() => page.getByRole('cell', { name: 'Error: payment provider timed out' }).count()).toBe(2);
    await page.keyboard.press('ArrowDown');
    await page.getByRole('heading', { name: /fraud-check cool-off-1 \(sleep\)/ }).waitFor();
    await page.screenshot({ path: join(artifacts, 'instance.png'), fullPage: true });
  });

  it('pauses and resumes it, each confirmed, then sends the event it waits for and sees it complete', async () => {
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Pause' }).click();
    await page.locator('h1 .badge', { hasText: 'paused' }).waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Resume' }).click();
    await until(async () => (await apiCall('GET', '/workflows/ORDER/instances/o-ui')).result.status === 'waiting', 'the instance to wait again');
    await page.getByRole('button', { name: 'Send event' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.getByLabel('Type').inputValue()).toBe('order-approved');
    await dialog.getByLabel('Payload (JSON)').fill('{"approver":"ada@example.com"}');
    await dialog.getByRole('button', { name: 'Send' }).click();
    await page.locator('h1 .badge', { hasText: 'complete' }).waitFor({ timeout: 20_000 });
    await page.getByRole('option', { name: /^manager approval-1, waitForEvent, received/ }).waitFor();
    await page.getByText('ada@example.com').first().waitFor();
    await page.screenshot({ path: join(artifacts, 'instance-complete.png'), fullPage: true });
  });
});
