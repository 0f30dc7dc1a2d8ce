// Tenant code loaded at run time: a loader that turns a tenant's source (text, bytes, a file, or a class) into a
// runner, cached by (tenant, version) in a bounded cache, and says which version new instances start on.

import { z } from 'zod';
import { parseOptions, ValidationError, WorkflowVersionUnavailableError, type CurrentVersionContext, type WorkflowClass } from '@cairn/core';
import { BoundedCache } from './bounded-cache.js';
import { coreModuleUrl, importTenantModule, pointImportsAt, workflowClassOf, type TenantSource } from './module-source.js';
import { isolatedRunner } from './isolation/isolated-runner.js';
import { WorkerPool, type IsolatedCode } from './isolation/worker-pool.js';
import { IsolationSchema, type IsolationOptions, type ResolvedIsolation } from './isolation/limits.js';
import type { DispatcherMetadata, LoadWorkflowRunner, LoadWorkflowRunnerContext, WorkflowRunner } from './types.js';

/** Which code: a tenant and one of its versions. */
export interface TenantCodeRef {
  tenant: string;
  version: string;
}

export interface TenantLoaderOptions {
  /** The tenant's code at `version`; null or undefined when there is no such version (the instance is set aside). */
  source(ref: TenantCodeRef): TenantSource | null | undefined | Promise<TenantSource | null | undefined>;
  /** The version new instances of the tenant start on (pinned to them for life). */
  currentVersion(tenant: string): string | Promise<string>;
  /** The tenant an instance belongs to, from its metadata. @default metadata.tenantId */
  tenantOf?: (metadata: DispatcherMetadata) => string;
  /** The export holding the workflow class. @default the default export, else the module's only exported class */
  exportName?: string;
  /** Loaded versions kept (least recently used go first). @default 64 */
  maxCached?: number;
  /**
   * Run each tenant's run() in a `node:worker_threads` Worker with a heap limit and a CPU limit per step attempt
   * (an attempt past one fails as a step error; the engine and other tenants go on). A fault boundary, not a
   * security sandbox: the Worker shares the process. The source must be module text, bytes or a file.
   * @default off (tenant code runs in the engine's thread)
   */
  isolation?: IsolationOptions;
}

export interface TenantLoader {
  /** For `createDynamicWorkflowEntrypoint(loader.loadRunner)`. */
  loadRunner: LoadWorkflowRunner;
  /** For the dispatcher's registration: `{ workflow, currentVersion: loader.currentVersion }`. */
  currentVersion(context: CurrentVersionContext): Promise<string | undefined>;
  /** Forgets loaded code: one version of a tenant, or all of its versions. */
  evict(tenant: string, version?: string): void;
  /** Loaded versions held now. */
  readonly cached: number;
}

const OptionsSchema = z
  .object({
    source: z.function(),
    currentVersion: z.function(),
    tenantOf: z.function().optional(),
    exportName: z.string().min(1).optional(),
    maxCached: z.number().int().min(1).default(64),
    isolation: IsolationSchema.optional(),
  })
  .strict();

const keyOf = ({ tenant, version }: TenantCodeRef) => `${tenant}\u0000${version}`;

/** Loaded tenant code: a class to run here, or code for an isolated Worker to import. */
type LoadedCode = { workflow: WorkflowClass } | { isolated: WorkerPool };

/** What an isolated Worker imports of a source: its text with imports pointed at @cairn/core, or its file. */
function isolatedCode(source: Exclude<TenantSource, { workflow: WorkflowClass }>, ref: TenantCodeRef, exportName: string | undefined): IsolatedCode {
  const named = exportName === undefined ? {} : { exportName };
  if (typeof source === 'object' && !(source instanceof Uint8Array)) return { file: source.file, version: ref.version, ...named };
  const text = typeof source === 'string' ? source : new TextDecoder('utf-8', { fatal: true }).decode(source);
  return { text: pointImportsAt(text, coreModuleUrl()), ...named };
}

function defaultTenantOf(metadata: DispatcherMetadata): string {
  const tenant = metadata.tenantId;
  if (typeof tenant !== 'string' || tenant === '') {
    throw new TypeError(
      '@cairn/dynamic: the instance metadata has no string tenantId; pass tenantOf to createTenantLoader to say which field names the tenant',
    );
  }
  return tenant;
}

export function createTenantLoader(options: TenantLoaderOptions): TenantLoader {
  const settings = parseOptions(OptionsSchema, options, { adapter: 'dynamic', factory: 'createTenantLoader' });
  const tenantOf = options.tenantOf ?? defaultTenantOf;
  // Evicted code's idle Workers stop (those running a run stop when it ends).
  const cache = new BoundedCache<Promise<LoadedCode>>(settings.maxCached, (evicted) => {
    evicted.then((code) => 'isolated' in code && code.isolated.close()).catch(() => undefined);
  });

  const load = (ref: TenantCodeRef, at: { workflowName: string; instanceId: string }): Promise<LoadedCode> => {
    const key = keyOf(ref);
    const cached = cache.get(key);
    if (cached) return cached;
    const loading = (async (): Promise<LoadedCode> => {
      const source = await options.source(ref);
      if (source === null || source === undefined) throw new WorkflowVersionUnavailableError(at.workflowName, ref.version, [], { instanceId: at.instanceId });
      const what = `code of tenant "${ref.tenant}" at version "${ref.version}"`;
      if (typeof source === 'object' && 'workflow' in source) {
        if (settings.isolation) throw new ValidationError(what, 'module text, bytes or a file: a class already loaded cannot be isolated', source);
        return { workflow: source.workflow };
      }
      if (settings.isolation) return { isolated: new WorkerPool(isolatedCode(source, ref, settings.exportName), settings.isolation) };
      return { workflow: workflowClassOf(await importTenantModule(source, ref.version), settings.exportName, what) };
    })();
    cache.set(key, loading);
    // A failed load is not kept: the next run tries again.
    loading.catch(() => cache.delete(key));
    return loading;
  };

  return {
    async loadRunner({ metadata, env, ctx, version }: LoadWorkflowRunnerContext): Promise<WorkflowRunner> {
      const tenant = tenantOf(metadata);
      // An instance created before the workflow was versioned runs the tenant's current code.
      const pinned = version ?? (await options.currentVersion(tenant));
      const loaded = await load({ tenant, version: pinned }, ctx);
      if ('isolated' in loaded) return isolatedRunner(loaded.isolated, settings.isolation as ResolvedIsolation, ctx);
      return new loaded.workflow(ctx, env) as unknown as WorkflowRunner;
    },
    async currentVersion({ metadata }) {
      // Created on the raw binding: no tenant, so no version (its run fails with MissingDispatcherMetadataError).
      if (metadata === undefined) return undefined;
      return options.currentVersion(tenantOf(metadata));
    },
    evict(tenant, version) {
      for (const key of cache.keys()) if (version === undefined ? key.startsWith(`${tenant}\u0000`) : key === keyOf({ tenant, version })) cache.delete(key);
    },
    get cached() {
      return cache.size;
    },
  };
}
