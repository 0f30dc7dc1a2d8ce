// The tenant loader: module text, its bytes or a file become a runner; loaded code is cached by (tenant, version)
// in a bounded cache; a module without a workflow class is a typed error.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CairnError, type WorkflowExecutionContext, type WorkflowStep } from '@cairn/core';
import { createTenantLoader, type TenantSource } from '@cairn/dynamic';

const dir = mkdtempSync(join(tmpdir(), 'cairn-loader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const moduleText = (word: string) => `import { WorkflowEntrypoint } from '@cairn/core';
export default class extends WorkflowEntrypoint { async run() { return ${JSON.stringify(word)}; } }`;
const ctx = { instanceId: 'i', workflowName: 'W', signal: new AbortController().signal, waitUntil: () => undefined } as WorkflowExecutionContext;
const run = async (loader: ReturnType<typeof createTenantLoader>, tenantId: string, version?: string) =>
  (await loader.loadRunner({ metadata: { tenantId }, env: {}, ctx, ...(version ? { version } : {}) })).run(
    { payload: {}, timestamp: new Date(), instanceId: 'i' } as never,
    {} as WorkflowStep,
  );

describe('createTenantLoader', () => {
  it('loads module text, UTF-8 bytes and a file; each version once, until evicted', async () => {
    const file = join(dir, 'tenant-c.mjs');
    writeFileSync(file, moduleText('from a file'));
    const sources: Record<string, TenantSource> = { a: moduleText('from text'), b: new TextEncoder().encode(moduleText('from bytes')), c: { file } };
    let loads = 0;
    const loader = createTenantLoader({
      source: ({ tenant }) => (loads++, sources[tenant]),
      currentVersion: () => 'v1',
    });
    expect(await run(loader, 'a')).toBe('from text');
    expect(await run(loader, 'b')).toBe('from bytes');
    expect(await run(loader, 'c')).toBe('from a file');
    await run(loader, 'a');
    expect(loads).toBe(3);
    loader.evict('a');
    await run(loader, 'a');
    expect(loads).toBe(4);
  });

  it('keeps at most maxCached versions, dropping the least recently used', async () => {
    const loaded: string[] = [];
    const loader = createTenantLoader({ source: ({ version }) => (loaded.push(version), moduleText(version)), currentVersion: () => 'v1', maxCached: 2 });
    for (const version of ['v1', 'v2', 'v1', 'v3', 'v1', 'v2']) expect(await run(loader, 't', version)).toBe(version);
    expect(loader.cached).toBe(2);
    // v2 was the least recently used when v3 came, so it is loaded again; v1 never is.
    expect(loaded).toEqual(['v1', 'v2', 'v3', 'v2']);
  });

  it('no code for a version: WorkflowVersionUnavailableError; a module without a workflow class: a typed error naming its exports', async () => {
    const loader = createTenantLoader({ source: ({ version }) => (version === 'v1' ? 'export const x = 1;' : null), currentVersion: () => 'v1' });
    const missing = await run(loader, 't', 'v9').catch((error: unknown) => error);
    expect(CairnError.is(missing, 'workflow_version_unavailable')).toBe(true);
    const shapeless = await run(loader, 't', 'v1').catch((error: unknown) => error);
    expect(CairnError.is(shapeless, 'invalid_input')).toBe(true);
    expect((shapeless as Error).message).toMatch(/tenant "t" at version "v1"/);
  });

  it('bad options are refused with a typed error naming the option', () => {
    expect(() => createTenantLoader({ source: () => null, currentVersion: () => 'v1', maxCached: 0 })).toThrow(/maxCached/);
  });
});
