// A suspension planned while another instance write (a lease renewal) is in flight: if that write conflicts
// because an event arrived, the re-read merges the event and the branches go on; the suspension, planned
// before the event was seen, must not be written at the re-read version (found by the DynamoDB crash test:
// instances left waiting for an event they held, or waiting after their wait had completed).

import { describe, expect, it } from 'vitest';
import { createMemoryStore, newInstanceRecord, RECORD_VERSION, serialize, type InstanceRecord } from '@cairn/core';
import { Branches } from '../src/engine/branches.js';
import { Endings } from '../src/engine/endings.js';
import { InstanceWriter } from '../src/engine/instance-writer.js';
import type { EngineSettings } from '../src/engine/settings.js';

const ref = { workflowName: 'W', instanceId: 'race-1' };
const T0 = Date.UTC(2030, 0, 1);

async function leased() {
  const store = createMemoryStore();
  await store.createInstance({ instance: newInstanceRecord({ ...ref, params: serialize(null), createdAt: T0, wakeAt: T0 }) });
  const created = (await store.getInstance(ref))!;
  const instance = await store.updateInstance({
    ...ref,
    expectedVersion: created.version,
    patch: { status: 'running', leaseOwner: 'runner', leaseToken: 1, leaseExpiresAt: T0 + 30_000, wakeAt: T0 + 30_000 },
  });
  return { store, instance };
}

describe('a suspension racing a re-read', () => {
  it('is not written once a write queued before it re-read the instance (the events it merged may unblock a branch)', async () => {
    const { store, instance } = await leased();
    const reloaded: string[] = [];
    const writer = new InstanceWriter(
      instance as InstanceRecord,
      store,
      ref,
      { owner: 'runner', token: 1 },
      { isDone: () => false, onLeaseLost: async () => undefined, onReloaded: (journal) => reloaded.push(...journal.events.map((event) => event.id)) },
      () => 0,
    );
    // An event lands: the instance's version moves on.
    await store.appendEvent({ ...ref, event: { v: RECORD_VERSION, id: 'e-1', type: 'approval', payload: serialize(1), timestamp: T0 } });
    const settings = {
      clock: { now: () => T0 + 1 },
      scheduler: { name: 'none', schedule: async () => undefined },
      store,
      retentionMs: null,
    } as unknown as EngineSettings;
    const endings = new Endings(
      ref,
      settings,
      () => writer,
      () => undefined,
    );
    // A renewal goes out first; the suspension is planned (every branch blocked on the event) and queued behind it.
    const renewal = writer.write({ leaseExpiresAt: T0 + 60_000, updatedAt: T0 + 1 });
    const suspended = endings.suspend([{ reason: 'event', wakeAt: T0 + 3_600_000 }], false);
    expect(await renewal).toBe('conflict');
    expect(reloaded).toEqual(['e-1']);
    expect(await suspended, 'the suspension must give way: the replay goes on with the merged event').toBe(false);
    const stored = (await store.getInstance(ref))!;
    expect(stored).toMatchObject({ status: 'running', leaseOwner: 'runner' });
    expect(endings.phase).toBe('running');
  });

  it('a wait that blocks after the events it waits for were merged (while it recorded its start) goes on at once', async () => {
    let changes = 0;
    const branches = new Branches({ now: () => T0, setTimer: () => () => undefined } as never, {
      isActive: () => true,
      holdsInProcess: () => false,
      onChange: () => void changes++,
      holdEnded: () => null,
    });
    let eventThere = false;
    // The re-read merges the event and asks every blocked branch to look again: none is blocked yet.
    eventThere = true;
    branches.recheck();
    // Then the wait, its start recorded, blocks: it must see the event now rather than park until the timeout.
    const parked = branches.block({ reason: 'event', wakeAt: T0 + 3_600_000, recheck: () => eventThere });
    const outcome = await Promise.race([parked.then(() => 'went on'), new Promise((resolve) => setTimeout(() => resolve('parked'), 50))]);
    expect(outcome).toBe('went on');
    expect(branches.blockers.size).toBe(0);
    expect(changes).toBe(0);
  });
});
