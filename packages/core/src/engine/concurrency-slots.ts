// Per-workflow concurrency limits (wrangler's `workflows[].concurrency.limit`): at most `limit` replays of a
// workflow run at once, across every runner on the store. A running replay holds one of `limit` slots: a
// record in the store (workflow `__cairn_concurrency`, id `<workflow>-<k>`) leased as an instance is (compare-
// and-set, expiring, renewed with the instance's lease), so a runner that dies frees its slot when the lease
// runs out. Waiting instances (sleeps, events) hold no slot. No store needs anything new for this.

import { CairnError } from '../errors.js';
import { newInstanceRecord, type InstanceRecord } from '../records.js';
import { serialize } from '../serialize.js';
import type { InstanceRef, WorkflowStore } from '../store.js';
import { leaseIsLive } from '../shared/lease.js';

export const SLOT_WORKFLOW = '__cairn_concurrency';

export interface SlotLease {
  readonly ref: InstanceRef;
  version: number;
}

function slotRef(workflowName: string, index: number): InstanceRef {
  return { workflowName: SLOT_WORKFLOW, instanceId: `${workflowName}-${index}` };
}

async function readSlot(store: WorkflowStore, ref: InstanceRef, now: number): Promise<InstanceRecord | null> {
  const found = await store.getInstance(ref);
  if (found) return found;
  try {
    await store.createInstance({
      instance: { ...newInstanceRecord({ ...ref, params: serialize(null), createdAt: now, wakeAt: null }), status: 'paused' },
    });
  } catch (error) {
    if (!CairnError.is(error, 'instance_already_exists')) throw error;
  }
  return store.getInstance(ref);
}

/** Takes a free slot (trying them from a random one), or resolves null when all are held. */
export async function acquireSlot(
  store: WorkflowStore,
  workflowName: string,
  limit: number,
  holder: string,
  now: number,
  leaseMs: number,
): Promise<SlotLease | null> {
  const first = Math.floor(Math.random() * limit);
  for (let i = 0; i < limit; i++) {
    const ref = slotRef(workflowName, (first + i) % limit);
    const slot = await readSlot(store, ref, now);
    if (!slot || leaseIsLive(slot, now)) continue;
    try {
      const taken = await store.updateInstance({
        ...ref,
        expectedVersion: slot.version,
        patch: { leaseOwner: holder, leaseToken: slot.leaseToken + 1, leaseExpiresAt: now + leaseMs, updatedAt: now },
      });
      return { ref, version: taken.version };
    } catch (error) {
      if (!CairnError.is(error, 'version_conflict')) throw error;
    }
  }
  return null;
}

/** Extends the slot's lease; false when it was lost (it expired and another replay took it). */
export async function renewSlot(store: WorkflowStore, lease: SlotLease, now: number, leaseMs: number): Promise<boolean> {
  try {
    const renewed = await store.updateInstance({ ...lease.ref, expectedVersion: lease.version, patch: { leaseExpiresAt: now + leaseMs, updatedAt: now } });
    lease.version = renewed.version;
    return true;
  } catch (error) {
    if (CairnError.is(error, 'version_conflict')) return false;
    throw error;
  }
}

/** Gives the slot back; a slot already taken over (after its lease expired) is left to its new holder. */
export async function releaseSlot(store: WorkflowStore, lease: SlotLease, now: number): Promise<void> {
  try {
    await store.updateInstance({ ...lease.ref, expectedVersion: lease.version, patch: { leaseOwner: null, leaseExpiresAt: null, updatedAt: now } });
  } catch (error) {
    if (!CairnError.is(error, 'version_conflict')) throw error;
  }
}
