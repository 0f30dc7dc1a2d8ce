// Finds and loads the project's config: `cairn.config.ts` (a module whose default export is the config,
// or a function returning it) or `cairn.config.json` (a store descriptor and `module#export` references).

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ValidationError, type Scheduler, type WorkflowRegistration, type WorkflowStore } from '@cairn/core';
import { UsageError } from './usage.js';

/** Where the CLI reads instances: an SQLite file, or the in-memory store (one process only). */
export type StoreDescriptor =
  | {
      type: 'sqlite';
      /** Database file, relative to the config file's folder. */
      path: string;
    }
  | { type: 'memory' };

/** What `cairn.config.ts` exports (default export), or a function returning it. */
export interface CairnConfig {
  /** A store object (e.g. `createSqliteStore(...)`, a DynamoDB store), or a descriptor. */
  store: WorkflowStore | StoreDescriptor;
  /** Binding name -> workflow class, as given to `createRuntime`. */
  workflows: Record<string, WorkflowRegistration>;
  /** What workflows see as `this.env`, besides the bindings. */
  env?: Record<string, unknown>;
  /**
   * Wakes instances after `create`, `resume`, `send-event`, `restart`. By default the CLI only records
   * the wake-up time (the due index) and the runner that polls it (the local runner, a sweeper) picks it up.
   */
  scheduler?: Scheduler;
}

export type CairnConfigInput = CairnConfig | (() => CairnConfig | Promise<CairnConfig>);

/** Types a `cairn.config.ts`: `export default defineConfig({ store, workflows })`. */
export function defineConfig(config: CairnConfigInput): CairnConfigInput {
  return config;
}

export interface LoadedConfig {
  file: string;
  store: WorkflowStore;
  workflows: Record<string, WorkflowRegistration>;
  env: Record<string, unknown>;
  scheduler?: Scheduler;
}

const SQLITE_PACKAGE: string = '@cairn/store-sqlite';

const CONFIG_FILES = ['cairn.config.ts', 'cairn.config.mjs', 'cairn.config.js', 'cairn.config.json'] as const;

/** The config file named by `--config`, or the first of CONFIG_FILES in `cwd`. */
export function findConfig(cwd: string, given?: string): string {
  if (given !== undefined) {
    const file = resolve(cwd, given);
    if (!existsSync(file)) throw new UsageError(`Invalid --config: no such file ${file}`);
    return file;
  }
  for (const name of CONFIG_FILES) {
    const file = resolve(cwd, name);
    if (existsSync(file)) return file;
  }
  throw new UsageError(`No cairn.config.ts or cairn.config.json in ${cwd}; pass --config <file>`);
}

const DescriptorSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sqlite'), path: z.string().min(1) }).strict(),
  z.object({ type: z.literal('memory') }).strict(),
]);

const JsonConfigSchema = z
  .object({
    store: DescriptorSchema,
    workflows: z.record(z.string().min(1), z.string().min(1)),
    env: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const ModuleConfigSchema = z.object({
  store: z.union([
    z.custom<WorkflowStore>((value) => typeof value === 'object' && value !== null && typeof (value as WorkflowStore).loadJournal === 'function'),
    DescriptorSchema,
  ]),
  workflows: z.record(
    z.string().min(1),
    z.custom<WorkflowRegistration>((value) => value !== null && value !== undefined),
  ),
  env: z.record(z.string(), z.unknown()).optional(),
  scheduler: z.custom<Scheduler>((value) => typeof value === 'object' && value !== null && typeof (value as Scheduler).schedule === 'function').optional(),
});

export async function loadConfig(file: string): Promise<LoadedConfig> {
  const folder = dirname(file);
  if (file.endsWith('.json')) {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new ValidationError(`config ${file}`, 'a JSON file', (error as Error).message, { cause: error });
    }
    const config = parseWith(JsonConfigSchema, raw, file);
    const workflows: Record<string, WorkflowRegistration> = {};
    for (const [binding, reference] of Object.entries(config.workflows)) {
      workflows[binding] = await importWorkflow(folder, binding, reference, file);
    }
    return { file, store: await openStore(config.store, folder), workflows, env: config.env ?? {} };
  }

  // Node.js loads a .ts module itself from 22.18 (type stripping); before that, say so rather than fail to load it.
  if (file.endsWith('.ts') && !(process.features as { typescript?: unknown }).typescript) {
    throw new ValidationError(
      `config ${file}`,
      'Node.js >= 22.18 to load a TypeScript config (it strips the types itself); on this Node.js use cairn.config.js, .mjs or .json',
      `Node.js ${process.versions.node}`,
    );
  }
  let exported: unknown;
  try {
    exported = (await import(pathToFileURL(file).href)).default;
  } catch (error) {
    throw new ValidationError(`config ${file}`, 'a module that loads', (error as Error).message, { cause: error });
  }
  if (typeof exported === 'function') exported = await (exported as () => unknown)();
  const config = parseWith(ModuleConfigSchema, exported, file);
  const store = 'loadJournal' in config.store ? config.store : await openStore(config.store, folder);
  const loaded: LoadedConfig = { file, store, workflows: config.workflows, env: config.env ?? {} };
  if (config.scheduler) loaded.scheduler = config.scheduler;
  return loaded;
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'default export';
  throw new ValidationError(`config ${file} at "${where}"`, describeExpected(where), issue?.message, { cause: result.error });
}

function describeExpected(where: string): string {
  if (where.startsWith('store')) return 'a WorkflowStore, { "type": "sqlite", "path": "<file>" } or { "type": "memory" }';
  if (where.startsWith('workflows')) return 'binding name -> workflow (in JSON: "<module>#<export>")';
  if (where.startsWith('scheduler')) return 'a Scheduler';
  if (where.startsWith('env')) return 'an object';
  return '{ store, workflows, env?, scheduler? } (or a function returning it)';
}

/** `./workflows.ts#OrderWorkflow` (default export when no `#`), relative to the config file's folder. */
async function importWorkflow(folder: string, binding: string, reference: string, file: string): Promise<WorkflowRegistration> {
  const hash = reference.lastIndexOf('#');
  const modulePath = hash < 0 ? reference : reference.slice(0, hash);
  const exportName = hash < 0 ? 'default' : reference.slice(hash + 1);
  const specifier = modulePath.startsWith('.') || isAbsolute(modulePath) ? pathToFileURL(resolve(folder, modulePath)).href : modulePath;
  let namespace: Record<string, unknown>;
  try {
    namespace = await import(specifier);
  } catch (error) {
    throw new ValidationError(`config ${file} at "workflows.${binding}"`, 'a module that loads', `${reference}: ${(error as Error).message}`, { cause: error });
  }
  const workflow = namespace[exportName];
  if (typeof workflow !== 'function') {
    throw new ValidationError(`config ${file} at "workflows.${binding}"`, `a workflow class exported as "${exportName}"`, reference);
  }
  return workflow as WorkflowRegistration;
}

async function openStore(descriptor: StoreDescriptor, folder: string): Promise<WorkflowStore> {
  if (descriptor.type === 'memory') {
    const { createMemoryStore } = await import('@cairn/core');
    return createMemoryStore();
  }
  // Imported by name at run time: the CLI needs the SQLite adapter only for configs that name it.
  let adapter: { createSqliteStore(options: { path: string; requireExisting?: boolean }): WorkflowStore };
  try {
    adapter = (await import(SQLITE_PACKAGE)) as typeof adapter;
  } catch (error) {
    throw new ValidationError(
      'config store { "type": "sqlite" }',
      `the ${SQLITE_PACKAGE} package installed beside @cairn/cli (npm install ${SQLITE_PACKAGE})`,
      (error as Error).message,
      { cause: error },
    );
  }
  const path = resolve(folder, descriptor.path);
  // A file that is there must be a Cairn journal: an emptied or foreign file is refused, never taken as empty.
  return adapter.createSqliteStore({ path, requireExisting: existsSync(path) });
}
