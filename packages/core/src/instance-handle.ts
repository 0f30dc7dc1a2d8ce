// A workflow instance as Cloudflare's binding returns it: status and the control operations.
// Each operation is a compare-and-set on the instance record, retried on conflict.

import { z } from 'zod';
import { InstanceFinishedError, InstanceNotFoundError, ValidationError, CairnError } from './errors.js';
import { assertEventType, MAX_PAYLOAD_BYTES, serializeWithinLimit } from './limits.js';
import { FINISHED_STATUSES, newEventId, RECORD_VERSION, type ErrorSummary, type InstanceRecord, type InstanceStatusName } from './records.js';
import { deserialize } from './serialize.js';
import type { InstancePatch, InstanceRef } from './store.js';
import type { RuntimeInternals } from './runtime-internals.js';

export interface InstanceStatus {
  status: InstanceStatusName;
  error?: ErrorSummary;
  output?: unknown;
}

export interface WorkflowInstance {
  readonly id: string;
  status(): Promise<InstanceStatus>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  terminate(): Promise<void>;
  /** Runs the instance again from the start with the same params; `from` keeps the steps recorded before that step. */
  restart(options?: { from?: { name: string } }): Promise<void>;
  sendEvent(event: { type: string; payload?: unknown }): Promise<void>;
}

const SendEventSchema = z.object({ type: z.string(), payload: z.unknown().optional() });
const RestartSchema = z.object({ from: z.object({ name: z.string().min(1) }).optional() }).optional();

export function instanceHandle(rt: RuntimeInternals, ref: InstanceRef): WorkflowInstance {
  const load = async (): Promise<InstanceRecord> => {
    const instance = await rt.store.getInstance(ref);
    if (!instance) throw new InstanceNotFoundError(ref.workflowName, ref.instanceId);
    return instance;
  };

  /** Reads, decides a patch (or nothing), writes with compare-and-set; on conflict reads again. */
  const change = async (decide: (instance: InstanceRecord, now: number) => InstancePatch | null) => {
    for (;;) {
      const instance = await load();
      const now = rt.clock.now();
      const patch = decide(instance, now);
      if (!patch) return null;
      try {
        return await rt.store.updateInstance({ ...ref, expectedVersion: instance.version, patch: { ...patch, updatedAt: now } });
      } catch (error) {
        if (!CairnError.is(error, 'version_conflict')) throw error;
      }
    }
  };

  const liveLease = (instance: InstanceRecord, now: number) =>
    instance.leaseOwner !== null && instance.leaseExpiresAt !== null && instance.leaseExpiresAt > now;

  const wakeNow = async (instance: InstanceRecord) => {
    await rt.schedule({ ...ref, wakeAt: rt.clock.now(), wakeSeq: instance.wakeSeq });
  };

  return {
    id: ref.instanceId,

    async status() {
      const instance = await load();
      const status: InstanceStatus = { status: instance.status };
      if (instance.error) status.error = { ...instance.error };
      if (instance.output !== null) status.output = deserialize(instance.output);
      return status;
    },

    async pause() {
      const updated = await change((instance, now) => {
        if (FINISHED_STATUSES.has(instance.status) || instance.status === 'paused' || instance.status === 'waitingForPause') return null;
        if (liveLease(instance, now)) return { status: 'waitingForPause' };
        // Nobody runs it: paused at once; a lease left by a dead runner is revoked.
        return { status: 'paused', pausedAt: now, wakeAt: null, leaseOwner: null, leaseExpiresAt: null };
      });
      if (updated?.status === 'waitingForPause') rt.notify(ref, 'pause');
    },

    async resume() {
      const updated = await change((instance, now) => {
        if (instance.status === 'waitingForPause') return { status: 'running' };
        if (instance.status !== 'paused') return null;
        return {
          status: 'queued',
          pausedAt: null,
          pausedTotalMs: instance.pausedTotalMs + (instance.pausedAt === null ? 0 : now - instance.pausedAt),
          wakeAt: now,
          wakeSeq: instance.wakeSeq + 1,
        };
      });
      if (updated?.status === 'running') rt.notify(ref, 'resume');
      if (updated?.status === 'queued') await wakeNow(updated);
    },

    async terminate() {
      await change((instance, now) => {
        if (FINISHED_STATUSES.has(instance.status)) {
          throw new InstanceFinishedError(ref.workflowName, ref.instanceId, instance.status, 'terminate');
        }
        return {
          status: 'terminated',
          leaseOwner: null,
          leaseExpiresAt: null,
          wakeAt: null,
          finishedAt: now,
          expiresAt: rt.retentionMs === null ? null : now + rt.retentionMs,
        };
      });
      rt.notify(ref, 'terminate');
    },

    async restart(options) {
      const parsed = RestartSchema.safeParse(options);
      if (!parsed.success) throw new ValidationError('restart options', '{ from?: { name: string } }', options);
      const from = parsed.data?.from?.name;
      const journal = from ? await rt.store.loadJournal(ref) : null;
      let keep = journal?.steps ?? [];
      if (from) {
        const cut = keep.findIndex((step) => step.kind === 'do' && step.name === from);
        if (cut < 0) throw new ValidationError('restart from step', `the name of a recorded step of instance "${ref.instanceId}"`, from);
        keep = keep.slice(0, cut);
      }
      const owner = `${rt.owner}:restart`;
      const updated = await change((instance, now) => ({
        status: 'queued',
        generation: instance.generation + 1,
        output: null,
        error: null,
        finishedAt: null,
        expiresAt: null,
        pausedAt: null,
        pausedTotalMs: 0,
        // Taken while the kept steps are copied; a crash leaves it to expire, and the instance runs anyway.
        leaseOwner: keep.length > 0 ? owner : null,
        leaseToken: instance.leaseToken + 1,
        leaseExpiresAt: keep.length > 0 ? now + rt.leaseMs : null,
        wakeAt: keep.length > 0 ? now + rt.leaseMs : now,
        wakeSeq: instance.wakeSeq + 1,
      }));
      rt.notify(ref, 'terminate');
      if (!updated) return;
      let current = updated;
      if (keep.length > 0) {
        for (const step of keep) {
          await rt.store.recordStep({ ...ref, leaseToken: current.leaseToken, step: { ...step, generation: current.generation } });
        }
        current = await rt.store.updateInstance({
          ...ref,
          expectedVersion: current.version,
          patch: { leaseOwner: null, leaseExpiresAt: null, wakeAt: rt.clock.now(), updatedAt: rt.clock.now() },
        });
      }
      await wakeNow(current);
    },

    async sendEvent(event) {
      const parsed = SendEventSchema.safeParse(event);
      if (!parsed.success) throw new ValidationError('event', '{ type: string, payload?: unknown }', event);
      assertEventType(parsed.data.type);
      const payload = serializeWithinLimit(parsed.data.payload, `Event "${parsed.data.type}" payload`, MAX_PAYLOAD_BYTES);
      const before = await load();
      if (FINISHED_STATUSES.has(before.status)) {
        throw new InstanceFinishedError(ref.workflowName, ref.instanceId, before.status, 'send an event to');
      }
      const now = rt.clock.now();
      const after = await rt.store.appendEvent({
        ...ref,
        event: { v: RECORD_VERSION, id: newEventId(now), type: parsed.data.type, payload, timestamp: now },
      });
      if (liveLease(after, now)) {
        // A runner holds it: its next instance write conflicts and re-reads the events; in process, tell it now.
        rt.notify(ref, 'event');
        return;
      }
      if (FINISHED_STATUSES.has(after.status) || after.status === 'paused') return;
      try {
        const woken = await rt.store.updateInstance({
          ...ref,
          expectedVersion: after.version,
          patch: { wakeAt: now, wakeSeq: after.wakeSeq + 1, updatedAt: now },
        });
        await wakeNow(woken);
      } catch (error) {
        // A conflict means someone else moved the instance since; whoever did will see the event.
        if (!CairnError.is(error, 'version_conflict')) throw error;
      }
    },
  };
}
