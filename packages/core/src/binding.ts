// The binding a workflow sees in `env` (Cloudflare's `Workflow`): create, createBatch, get.

import { randomUUID } from 'node:crypto';
import { parseDuration, type WorkflowSleepDuration } from './duration.js';
import { z } from 'zod';
import { CairnError, InstanceAlreadyExistsError, InstanceNotFoundError, ValidationError } from './errors.js';
import { instanceHandle, type WorkflowInstance } from './instance-handle.js';
import { assertInstanceId, MAX_BATCH_SIZE, serializeWithinLimit } from './limits.js';
import { MAX_METADATA_BYTES, newInstanceRecord, type InstanceRecord } from './records.js';
import type { CurrentVersionContext } from './registrations.js';
import type { RuntimeInternals } from './runtime-internals.js';
import { wakeOf } from './shared/wake.js';
import { formatIssues, type StandardSchemaV1 } from './standard-schema.js';

export interface WorkflowInstanceCreateOptions<Params = unknown> {
  /** At most 100 characters of `[a-zA-Z0-9_-]`, not starting with '-'. @default a random UUID */
  id?: string;
  params?: Params;
  /** How long this instance is kept once complete (`successRetention`) or errored/terminated; default: the runtime's `retention`. */
  retention?: { successRetention?: WorkflowSleepDuration; errorRetention?: WorkflowSleepDuration };
}

/** What `deleteBatch` did: the ids deleted, and for each other id why not (`instance_not_found`, ...). */
export interface WorkflowBatchDeleteResult {
  deleted: string[];
  errors: Array<{ id: string; code: string; message: string }>;
}

/** Cloudflare's `Workflow` binding; `Output` types `status().output` (Cairn: typed from the workflows map). */
export interface Workflow<Params = unknown, Output = unknown> {
  create(options?: WorkflowInstanceCreateOptions<Params>): Promise<WorkflowInstance<Output>>;
  createBatch(batch: WorkflowInstanceCreateOptions<Params>[]): Promise<WorkflowInstance<Output>[]>;
  get(id: string): Promise<WorkflowInstance<Output>>;
  /** Deletes 1 to 100 instances (duplicates once); every id is checked before any is deleted. */
  deleteBatch(ids: string[]): Promise<WorkflowBatchDeleteResult>;
}

const RetentionSchema = z.object({ successRetention: z.unknown().optional(), errorRetention: z.unknown().optional() }).strict();
const CreateOptionsSchema = z.object({ id: z.string().optional(), params: z.unknown().optional(), retention: RetentionSchema.optional() }).strict().optional();

const CREATE_SHAPE = '{ id?: string, params?: unknown, retention?: { successRetention?, errorRetention? } } (no other keys)';

function retentionMs(value: unknown, input: string): number | undefined {
  return value === undefined ? undefined : parseDuration(value, input);
}

async function checkParams(workflowName: string, schema: StandardSchemaV1, params: unknown): Promise<unknown> {
  const result = await schema['~standard'].validate(params);
  if (result.issues) {
    const described = formatIssues(result.issues);
    throw new ValidationError(`params of workflow "${workflowName}"`, "params matching the workflow's schema", described, {
      cause: Object.assign(new Error(described), { issues: result.issues }),
    });
  }
  return result.value;
}

/** Validates and serializes one create request into a new instance record; nothing is written. */
async function prepareInstance(
  workflowName: string,
  code: BindingCode,
  now: number,
  options: unknown,
  input: string,
  tag: DispatcherTag | undefined,
): Promise<InstanceRecord> {
  const paramsSchema = code.paramsSchema;
  const parsed = CreateOptionsSchema.safeParse(options);
  if (!parsed.success) throw new ValidationError(input, CREATE_SHAPE, options);
  const id = parsed.data?.id ?? randomUUID();
  assertInstanceId(id);
  // `{}` only when no params are given: `params: null` reaches run() as null, as on Cloudflare.
  let params: unknown = parsed.data?.params === undefined ? {} : parsed.data.params;
  if (paramsSchema) params = await checkParams(workflowName, paramsSchema, params);
  const retention = parsed.data?.retention;
  const workflowVersion = await code.currentVersion({ metadata: tag?.metadata });
  return newInstanceRecord({
    workflowName,
    instanceId: id,
    params: serializeWithinLimit(params, `Params of instance "${id}"`),
    createdAt: now,
    successRetentionMs: retentionMs(retention?.successRetention, `retention.successRetention of instance "${id}"`),
    errorRetentionMs: retentionMs(retention?.errorRetention, `retention.errorRetention of instance "${id}"`),
    ...(tag ? { metadata: tag.serialized } : {}),
    ...(workflowVersion === undefined ? {} : { workflowVersion }),
  });
}

/** What a binding needs of its workflow's registration. */
export interface BindingCode {
  paramsSchema: StandardSchemaV1 | undefined;
  /** The version a new instance starts on, if the workflow has versions. */
  currentVersion: (context: CurrentVersionContext) => string | Promise<string | undefined> | undefined;
}

/** A dispatcher's metadata (`@cairn/dynamic`): stored with each instance a tagged binding creates, and its scope. */
interface DispatcherTag {
  metadata: Record<string, unknown>;
  serialized: string;
}

/** Where a core binding makes a tagged one (see `tagBinding`). */
const TAGGED = Symbol.for('cairn.workflow.tagged');

/**
 * A binding that tags every instance it creates with `metadata` (stored beside the params, not inside them) and
 * sees only the instances tagged with equal metadata: `get` and `deleteBatch` of any other instance are "not
 * found". `binding` is a binding of this runtime (`runtime.workflow(name)`, `env.NAME`) or a tagged one.
 */
export function tagBinding(binding: Workflow, metadata: Record<string, unknown>): Workflow {
  const make = (binding as unknown as Record<symbol, unknown>)[TAGGED];
  if (typeof make !== 'function') {
    throw new ValidationError('binding to tag', "a Workflow binding of a Cairn runtime (runtime.workflow(name), or env.NAME in a workflow's env)", binding);
  }
  return (make as (metadata: Record<string, unknown>) => Workflow)(metadata);
}

function dispatcherTag(metadata: unknown): DispatcherTag {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new ValidationError('dispatcher metadata', 'a plain object of serializable values (a tenant id, routing keys)', metadata);
  }
  const serialized = serializeWithinLimit(sortedKeys(metadata), 'Dispatcher metadata', MAX_METADATA_BYTES);
  return { metadata: metadata as Record<string, unknown>, serialized };
}

/** Plain objects with their keys sorted, so that equal metadata serializes alike whatever its key order. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  );
}

export function createBinding(rt: RuntimeInternals, workflowName: string, code: BindingCode, tag?: DispatcherTag): Workflow {
  const prepare = (options: unknown, input: string) => prepareInstance(workflowName, code, rt.clock.now(), options, input, tag);
  /** The instance, if this binding sees it (a tagged binding sees only its own tag's). */
  const visible = async (instanceId: string): Promise<InstanceRecord | null> => {
    const instance = await rt.store.getInstance({ workflowName, instanceId });
    return instance && (tag === undefined || instance.metadata === tag.serialized) ? instance : null;
  };

  const write = async (record: InstanceRecord): Promise<WorkflowInstance> => {
    await rt.store.createInstance({ instance: record });
    await rt.schedule(wakeOf(record, record.createdAt));
    return instanceHandle(rt, { workflowName, instanceId: record.instanceId });
  };
  const start = rt.traceCreate ? (record: InstanceRecord) => rt.traceCreate!(record, () => write(record)) : write;

  const binding: Workflow & { [TAGGED]: (metadata: Record<string, unknown>) => Workflow } = {
    [TAGGED]: (metadata) => createBinding(rt, workflowName, code, dispatcherTag(metadata)),
    create: async (options) => start(await prepare(options, 'create options')),

    async createBatch(batch) {
      if (!Array.isArray(batch) || batch.length < 1 || batch.length > MAX_BATCH_SIZE) {
        throw new ValidationError(
          'createBatch list',
          `an array of 1 to ${MAX_BATCH_SIZE} create options`,
          Array.isArray(batch) ? `${batch.length} entries` : batch,
          Array.isArray(batch) && batch.length === 0 ? { headline: 'batchCreate should have at least 1 instance' } : undefined, // Cloudflare's words
        );
      }
      const records: InstanceRecord[] = [];
      for (const [i, options] of batch.entries()) records.push(await prepare(options, `createBatch entry ${i}`));
      const ids = new Set<string>();
      for (const record of records) {
        if (ids.has(record.instanceId)) throw new InstanceAlreadyExistsError(workflowName, record.instanceId);
        ids.add(record.instanceId);
      }
      const existing = await Promise.all(records.map((record) => rt.store.getInstance(record)));
      // A taken id is refused alike whoever's instance holds it (ids are per workflow, not per tenant).
      const taken = existing.find((instance) => instance !== null);
      if (taken) throw new InstanceAlreadyExistsError(workflowName, taken.instanceId);
      const handles: WorkflowInstance[] = [];
      for (const record of records) handles.push(await start(record));
      return handles;
    },

    async deleteBatch(ids) {
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > MAX_BATCH_SIZE) {
        throw new ValidationError('deleteBatch list', `an array of 1 to ${MAX_BATCH_SIZE} instance ids`, Array.isArray(ids) ? `${ids.length} entries` : ids);
      }
      for (const id of ids) assertInstanceId(id);
      const result: WorkflowBatchDeleteResult = { deleted: [], errors: [] };
      for (const id of new Set(ids)) {
        try {
          if (tag && !(await visible(id))) throw new InstanceNotFoundError(workflowName, id);
          await instanceHandle(rt, { workflowName, instanceId: id }).delete();
          result.deleted.push(id);
        } catch (error) {
          if (!CairnError.is(error)) throw error;
          result.errors.push({ id, code: error.code, message: error.message });
        }
      }
      return result;
    },

    async get(id) {
      assertInstanceId(id);
      if (!(await visible(id))) throw new InstanceNotFoundError(workflowName, id);
      return instanceHandle(rt, { workflowName, instanceId: id });
    },
  };
  return binding;
}
