import { makeInstance, makeStep } from '@cairn/testkit';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type InstanceRecord, type StepRecord } from '@cairn/core';

/** A fresh directory for database files; `cleanup` removes it. */
export function tempDir(): { dir: string; file: (name?: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-sqlite-'));
  return { dir, file: (name = 'cairn.db') => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function instanceRecord(instanceId: string, overrides: Partial<InstanceRecord> = {}): InstanceRecord {
  return makeInstance({
    workflowName: 'WF',
    instanceId,
    params: '{"json":{}}',
    createdAt: 1_000,
    updatedAt: 1_000,
    ...overrides,
  });
}

export function stepRecord(id: string, overrides: Partial<StepRecord> = {}): StepRecord {
  return makeStep({
    id,
    name: 'step',
    value: '1',
    startedAt: 2_000,
    recordedAt: 2_000,
    ...overrides,
  });
}
