import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECORD_VERSION, type InstanceRecord, type StepRecord } from '@cairn/core';

/** A fresh directory for database files; `cleanup` removes it. */
export function tempDir(): { dir: string; file: (name?: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-sqlite-'));
  return { dir, file: (name = 'cairn.db') => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function instanceRecord(instanceId: string, overrides: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    v: RECORD_VERSION,
    workflowName: 'WF',
    instanceId,
    status: 'queued',
    params: '{"json":{}}',
    output: null,
    error: null,
    createdAt: 1_000,
    updatedAt: 1_000,
    finishedAt: null,
    version: 0,
    generation: 0,
    leaseOwner: null,
    leaseToken: 0,
    leaseExpiresAt: null,
    wakeAt: null,
    wakeSeq: 0,
    eventSeq: 0,
    pausedAt: null,
    pausedTotalMs: 0,
    recoveries: 0,
    expiresAt: null,
    ...overrides,
  };
}

export function stepRecord(id: string, overrides: Partial<StepRecord> = {}): StepRecord {
  return {
    v: RECORD_VERSION,
    id,
    key: id.split('#')[0]!,
    generation: 0,
    kind: 'do',
    name: 'step',
    state: 'completed',
    attempt: 1,
    value: '1',
    startedAt: 2_000,
    recordedAt: 2_000,
    ...overrides,
  };
}
