// A workflow instance as Cloudflare's binding returns it: status and the control operations.
// Each operation is a compare-and-set on the instance record, retried on conflict.

import { stepKey } from './journal/keys.js';
import { z } from 'zod';
import { EventBufferFullError, InstanceFinishedError, InstanceNotFoundError, ValidationError, CairnError } from './errors.js';
import { assertEventId, assertEventType, MAX_PAYLOAD_BYTES, serializeWithinLimit } from './limits.js';
import { keyedEventId } from './journal/keys.js';
import { expiryOf, FINISHED_STATUSES, newEventId, RECORD_VERSION, WorkflowVersionSchema, type InstanceRecord } from './records.js';
import { instanceStatusOf, type InstanceStatus } from './journal/status.js';
import type { InstancePatch, InstanceRef } from './store.js';
import type { RuntimeInternals } from './runtime-internals.js';
import { leaseIsLive } from './shared/lease.js';
import { wakeOf } from './shared/wake.js';
import { terminateRequest } from './engine/termination.js';

export type { InstanceStatus } from './journal/status.js';

export interface WorkflowInstance<Output = unknown> {
  readonly id: string;
  status(): Promise<InstanceStatus<Output>>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /**
   * Ends the instance as `terminated`. With `{ rollback: true }` the rollbacks of its attempted steps run first
   * (as when it fails), and it becomes `terminated` once they are done.
   */
  terminate(options?: { rollback?: boolean }): Promise<void>;
  /** Runs the instance again from the start with the same params; `from` keeps the steps recorded before that step. */
  /** Cairn: `version` moves the instance to that code version ('current': the one new instances start on). */
  restart(options?: { from?: RestartFromStep; version?: 'current' | (string & {}) }): Promise<void>;
  /**
   * Sends an event (buffered until a `waitForEvent` of its type takes it). Cairn addition: an `id` (the caller's
   * idempotency key, as for instance ids) makes a resend of the same event a no-op: one event per id is stored.
   */
  sendEvent(event: { type: string; payload?: unknown; id?: string }): Promise<void>;
  /**
   * Deletes the instance and everything recorded for it. A running instance stops (no rollback runs); the id
   * may be used again afterwards. Throws InstanceNotFoundError when there is no such instance.
   */
  delete(): Promise<void>;
}

const SendEventSchema = z.object({ type: z.string(), payload: z.unknown().optional(), id: z.string().optional() });
const TerminateSchema = z.object({ rollback: z.boolean().optional() }).strict().optional();
const RestartFromSchema = z.object({
  name: z.string().min(1),
  count: z.number().int().min(1).optional(),
  type: z.enum(['do', 'sleep', 'waitForEvent']).optional(),
});
const RestartSchema = z
  .object({ from: RestartFromSchema.optional(), version: z.union([z.literal('current'), WorkflowVersionSchema]).optional() })
  .strict()
  .optional();
const RESTART_SHAPE = "{ from?: { name: string, count?: number (from 1), type?: 'do' | 'sleep' | 'waitForEvent' }, version?: 'current' | a version name }";
const KIND_OF_TYPE = { do: 'do', sleep: 'sleep', waitForEvent: 'wait' } as const;

/** Cloudflare's `restart({ from })`: a step named by its name, and optionally which call of it (count) and its type. */
export type RestartFromStep = z.infer<typeof RestartFromSchema>;

export function instanceHandle(rt: RuntimeInternals, ref: InstanceRef): WorkflowInstance {
  return new InstanceHandle(rt, ref);
}

/** A class rather than a bag of closures: a batch of thousands of handles shares one set of methods. */
class InstanceHandle implements WorkflowInstance {
  readonly id: string;

  constructor(
    private readonly rt: RuntimeInternals,
    private readonly ref: InstanceRef,
  ) {
    this.id = ref.instanceId;
  }

  private async load(): Promise<InstanceRecord> {
    const instance = await this.rt.store.getInstance(this.ref);
    if (!instance) throw new InstanceNotFoundError(this.ref.workflowName, this.ref.instanceId);
    return instance;
  }

  /** Reads, decides a patch (or nothing), writes with compare-and-set; on conflict reads again. */
  private async change(decide: (instance: InstanceRecord, now: number) => InstancePatch | null): Promise<InstanceRecord | null> {
    for (;;) {
      const instance = await this.load();
      const now = this.rt.clock.now();
      const patch = decide(instance, now);
      if (!patch) return null;
      try {
        return await this.rt.store.updateInstance({ ...this.ref, expectedVersion: instance.version, patch: { ...patch, updatedAt: now } });
      } catch (error) {
        if (!CairnError.is(error, 'version_conflict')) throw error;
      }
    }
  }

  private async wakeNow(instance: InstanceRecord): Promise<void> {
    await this.rt.schedule(wakeOf(instance, this.rt.clock.now()));
  }

  async status(): Promise<InstanceStatus> {
    return instanceStatusOf(await this.load());
  }

  async pause() {
    const updated = await this.change((instance, now) => {
      if (FINISHED_STATUSES.has(instance.status) || instance.status === 'paused' || instance.status === 'waitingForPause') return null;
      const revoke = { status: 'paused' as const, pausedAt: now, wakeAt: null, leaseOwner: null, leaseExpiresAt: null };
      if (!leaseIsLive(instance, now)) return revoke;
      // Its runner holds a sleep or an event wait in process (nothing runs): paused at once, and the runner
      // loses the lease (a new fencing token), as a suspended instance would be paused.
      if (instance.status === 'waiting') return { ...revoke, leaseToken: instance.leaseToken + 1 };
      return { status: 'waitingForPause' };
    });
    if (updated?.status === 'waitingForPause') this.rt.notify(this.ref, 'pause');
    if (updated?.status === 'paused') this.rt.notify(this.ref, 'terminate');
  }

  async resume() {
    const updated = await this.change((instance, now) => {
      if (instance.status === 'waitingForPause') return { status: 'running' };
      if (instance.status !== 'paused') return null;
      return {
        status: 'queued',
        // A pause by the determinism guard holds its error; resuming clears it.
        error: null,
        pausedAt: null,
        pausedTotalMs: instance.pausedTotalMs + (instance.pausedAt === null ? 0 : now - instance.pausedAt),
        wakeAt: now,
        wakeSeq: instance.wakeSeq + 1,
      };
    });
    if (updated?.status === 'running') this.rt.notify(this.ref, 'resume');
    if (updated?.status === 'queued') await this.wakeNow(updated);
  }

  async terminate(options?: { rollback?: boolean }) {
    const parsed = TerminateSchema.safeParse(options);
    if (!parsed.success) throw new ValidationError('terminate options', '{ rollback?: boolean }', options);
    if (parsed.data?.rollback) return this.terminateWithRollback();
    await this.change((instance, now) => {
      if (FINISHED_STATUSES.has(instance.status)) {
        throw new InstanceFinishedError(this.ref.workflowName, this.ref.instanceId, instance.status, 'terminate');
      }
      return {
        status: 'terminated',
        leaseOwner: null,
        leaseExpiresAt: null,
        wakeAt: null,
        finishedAt: now,
        expiresAt: expiryOf(instance, 'terminated', now, this.rt.retentionMs),
      };
    });
    this.rt.notify(this.ref, 'terminate');
  }

  /** Recorded as an internal event: a runner holding the instance sees it at its next write; otherwise wake it. */
  private async terminateWithRollback(): Promise<void> {
    const before = await this.load();
    if (FINISHED_STATUSES.has(before.status)) {
      throw new InstanceFinishedError(this.ref.workflowName, this.ref.instanceId, before.status, 'terminate');
    }
    const now = this.rt.clock.now();
    const after = await this.rt.store.appendEvent({ ...this.ref, event: terminateRequest(now, before.generation) });
    if (leaseIsLive(after, now)) {
      this.rt.notify(this.ref, 'event');
      return;
    }
    // A paused instance is woken too: terminating runs its rollbacks.
    const woken = await this.change((instance, at) => {
      if (FINISHED_STATUSES.has(instance.status) || leaseIsLive(instance, at)) return null;
      const paused = instance.status === 'paused';
      return {
        status: paused ? 'queued' : instance.status === 'waitingForPause' ? 'running' : instance.status,
        pausedAt: null,
        pausedTotalMs: instance.pausedTotalMs + (paused && instance.pausedAt !== null ? at - instance.pausedAt : 0),
        wakeAt: at,
        wakeSeq: instance.wakeSeq + 1,
      };
    });
    if (woken) await this.wakeNow(woken);
    else this.rt.notify(this.ref, 'event');
  }

  async restart(options?: { from?: RestartFromStep; version?: string }) {
    const parsed = RestartSchema.safeParse(options);
    if (!parsed.success) throw new ValidationError('restart options', RESTART_SHAPE, options);
    const from = parsed.data?.from;
    const journal = from ? await this.rt.store.loadJournal(this.ref) : null;
    let keep = journal?.steps ?? [];
    if (from) {
      // The step's first record (a `step.do`, a sleep or a wait): what was recorded before it is kept.
      const kinds: readonly string[] = from.type ? [KIND_OF_TYPE[from.type]] : ['do', 'sleep', 'wait'];
      const cut = keep.findIndex((step) => kinds.includes(step.kind) && step.key === stepKey(step.kind, from.name, from.count ?? 1));
      if (cut < 0) throw new ValidationError('restart from step', `the name of a recorded step of instance "${this.ref.instanceId}"`, from.name);
      // The outcomes before the step are kept; rollbacks that ran for the failed run are not (they would run again).
      keep = keep.slice(0, cut).filter((step) => step.kind !== 'rollback');
    }
    const asked = parsed.data?.version;
    const workflowVersion = asked === undefined ? undefined : await this.rt.versionFor?.(await this.load(), asked);
    const owner = `${this.rt.owner}:restart`;
    const updated = await this.change((instance, now) => ({
      ...(workflowVersion === undefined ? {} : { workflowVersion }),
      status: 'queued',
      generation: instance.generation + 1,
      eventsConsumed: 0,
      output: null,
      error: null,
      finishedAt: null,
      expiresAt: null,
      pausedAt: null,
      pausedTotalMs: 0,
      // Taken while the kept steps are copied; a crash leaves it to expire, and the instance runs anyway.
      leaseOwner: keep.length > 0 ? owner : null,
      leaseToken: instance.leaseToken + 1,
      leaseExpiresAt: keep.length > 0 ? now + this.rt.leaseMs : null,
      wakeAt: keep.length > 0 ? now + this.rt.leaseMs : now,
      wakeSeq: instance.wakeSeq + 1,
    }));
    this.rt.notify(this.ref, 'terminate');
    if (!updated) return;
    let current = updated;
    if (keep.length > 0) {
      for (const step of keep) {
        await this.rt.store.recordStep({ ...this.ref, leaseToken: current.leaseToken, step: { ...step, generation: current.generation } });
      }
      current = await this.rt.store.updateInstance({
        ...this.ref,
        expectedVersion: current.version,
        patch: { leaseOwner: null, leaseExpiresAt: null, wakeAt: this.rt.clock.now(), updatedAt: this.rt.clock.now() },
      });
    }
    await this.wakeNow(current);
  }

  async delete() {
    // First take the instance from any runner (a new fencing token, held by the deleter): a runner's next write
    // fails and it stops, so nothing is recorded while the journal is deleted. A crash midway leaves the
    // instance readable, unowned once the lease expires, and a second delete() finishes the work.
    await this.change((instance, now) => ({
      leaseOwner: `${this.rt.owner}:delete`,
      leaseToken: instance.leaseToken + 1,
      leaseExpiresAt: now + this.rt.leaseMs,
      wakeAt: null,
    }));
    this.rt.notify(this.ref, 'terminate');
    if (!(await this.rt.store.deleteInstance(this.ref))) throw new InstanceNotFoundError(this.ref.workflowName, this.ref.instanceId);
  }

  async sendEvent(event: { type: string; payload?: unknown; id?: string }) {
    const parsed = SendEventSchema.safeParse(event);
    if (!parsed.success) throw new ValidationError('event', '{ type: string, payload?: unknown, id?: string }', event);
    assertEventType(parsed.data.type);
    if (parsed.data.id !== undefined) assertEventId(parsed.data.id);
    const payload = serializeWithinLimit(parsed.data.payload, `Event "${parsed.data.type}" payload`, MAX_PAYLOAD_BYTES);
    const before = await this.load();
    const id = parsed.data.id === undefined ? undefined : keyedEventId(parsed.data.id);
    if (FINISHED_STATUSES.has(before.status)) {
      // A resend of a keyed event the instance took before it finished reports the first send's outcome.
      if (await this.holdsEvent(id)) return;
      throw new InstanceFinishedError(this.ref.workflowName, this.ref.instanceId, before.status, 'send an event to');
    }
    if (before.eventSeq - (before.eventsConsumed ?? 0) >= this.rt.maxBufferedEvents && !(await this.holdsEvent(id))) {
      throw new EventBufferFullError(this.ref.workflowName, this.ref.instanceId, this.rt.maxBufferedEvents);
    }
    const now = this.rt.clock.now();
    const stamp = newEventId(now);
    const after = await this.rt.store.appendEvent({
      ...this.ref,
      event: { v: RECORD_VERSION, id: id ?? stamp, type: parsed.data.type, payload, timestamp: now, ...(id === undefined ? {} : { order: stamp }) },
    });
    if (leaseIsLive(after, now)) {
      // A runner holds it: its next instance write conflicts and re-reads the events; in process, tell it now.
      this.rt.notify(this.ref, 'event');
      return;
    }
    if (FINISHED_STATUSES.has(after.status) || after.status === 'paused') return;
    try {
      const woken = await this.rt.store.updateInstance({
        ...this.ref,
        expectedVersion: after.version,
        patch: { wakeAt: now, wakeSeq: after.wakeSeq + 1, updatedAt: now },
      });
      await this.wakeNow(woken);
    } catch (error) {
      // A conflict means someone else moved the instance since; whoever did will see the event.
      if (!CairnError.is(error, 'version_conflict')) throw error;
    }
  }

  /** Whether the instance already holds the keyed event `id` (a resend, which the full buffer must not refuse). */
  private async holdsEvent(id: string | undefined): Promise<boolean> {
    if (id === undefined) return false;
    const journal = await this.rt.store.loadJournal(this.ref);
    return journal !== null && (journal.events.some((event) => event.id === id) || journal.steps.some((step) => step.eventId === id));
  }
}
