// The `workflows` map given to createRuntime, read once: binding name -> class, params schema, cron schedules
// and concurrency limit. Lookups use own keys only, so `__proto__` or `toString` is an unknown workflow.

import { UnknownWorkflowError, ValidationError, WorkflowVersionUnavailableError } from './errors.js';
import { WorkflowVersionSchema } from './records.js';
import type { WorkflowClass } from './entrypoint.js';
import { parseCron, type CronSchedule } from './cron.js';
import { SLOT_WORKFLOW } from './engine/concurrency-slots.js';
import { isStandardSchema, type StandardSchemaV1 } from './standard-schema.js';

/** What every registration object may say beside its code. */
interface RegistrationSettings {
  /** The workflow's name, as wrangler's `name` beside `binding`: what `event.workflowName` reads. Default: the binding name. */
  name?: string;
  /** Validates `create()` params: any Standard Schema validator (zod 3.25+ or 4, valibot, arktype, ...). Its output is what run() receives. */
  params?: StandardSchemaV1;
  /** Cron expressions (UTC), as wrangler's `schedules`: each fire time creates an instance with params `{}`. */
  schedules?: string[];
  /** As wrangler's `concurrency`: at most `limit` instances run at once (across runners); the rest wait queued. */
  concurrency?: { limit: number };
}

/** What a dynamic registration's `currentVersion` is told: the new instance's dispatcher metadata, if any. */
export interface CurrentVersionContext {
  metadata: Record<string, unknown> | undefined;
}

export type WorkflowRegistration =
  | WorkflowClass
  | (RegistrationSettings & {
      workflow: WorkflowClass;
      /**
       * Dynamic code versions (a loader's): the version a new instance starts on, recorded with it. Every replay
       * of the instance runs with that version (a dynamic entrypoint's loader receives it), whatever is current.
       */
      currentVersion?: (context: CurrentVersionContext) => string | undefined | Promise<string | undefined>;
    })
  | (RegistrationSettings & {
      /** The workflow's code by version name: each instance is pinned to the version that started it. */
      versions: Record<string, WorkflowClass>;
      /** The version new instances start on (a key of `versions`). */
      current: string;
    });

/** A bound workflow as tools show it: its binding, its own name (`workflows[].name`, else the binding), its class's name. */
export interface RegisteredWorkflow {
  binding: string;
  name: string;
  className: string;
}

export interface Registrations {
  readonly names: readonly string[];
  readonly registered: readonly RegisteredWorkflow[];
  /**
   * The class that runs an instance of `name` pinned to `version`: UnknownWorkflowError naming the bound ones
   * for an unknown name, WorkflowVersionUnavailableError for a version this registration does not have.
   */
  classOf(name: string, version?: string): WorkflowClass;
  /** The version a new instance of `name` starts on, if the workflow has versions. */
  currentVersionOf(name: string, context: CurrentVersionContext): string | Promise<string | undefined> | undefined;
  has(name: string): boolean;
  schemaOf(name: string): StandardSchemaV1 | undefined;
  readonly schedules: ReadonlyMap<string, CronSchedule[]>;
  readonly limits: ReadonlyMap<string, number>;
  /** Binding name -> the workflow's own name, for the registrations that set one. */
  readonly displayNames: ReadonlyMap<string, string>;
}

export function readRegistrations(workflows: Record<string, WorkflowRegistration>): Registrations {
  const classes = new Map<string, WorkflowClass>();
  const schemas = new Map<string, StandardSchemaV1 | undefined>();
  const schedules = new Map<string, CronSchedule[]>();
  const limits = new Map<string, number>();
  const displayNames = new Map<string, string>();
  const versioned = new Map<string, { versions: Map<string, WorkflowClass>; current: string }>();
  const dynamic = new Map<string, (context: CurrentVersionContext) => string | undefined | Promise<string | undefined>>();
  for (const [name, registration] of Object.entries(workflows)) {
    if (name === SLOT_WORKFLOW) throw new ValidationError('createRuntime workflows', `a binding name other than "${SLOT_WORKFLOW}" (reserved)`, name);
    if (typeof registration === 'function') {
      classes.set(name, registration);
      continue;
    }
    if ('versions' in registration) {
      versioned.set(name, { versions: new Map(Object.entries(registration.versions)), current: registration.current });
      classes.set(name, registration.versions[registration.current]!);
    } else {
      classes.set(name, registration.workflow);
      if (registration.currentVersion) dynamic.set(name, registration.currentVersion);
    }
    if (registration.params !== undefined && !isStandardSchema(registration.params)) {
      throw new ValidationError(
        `params schema of workflow "${name}"`,
        'a Standard Schema validator (zod 3.25+ or 4, valibot, arktype: an object with `~standard`)',
        registration.params,
      );
    }
    schemas.set(name, registration.params);
    if (registration.schedules?.length)
      schedules.set(
        name,
        registration.schedules.map((expression) => parseCron(expression)),
      );
    if (registration.concurrency) limits.set(name, registration.concurrency.limit);
    if (registration.name !== undefined && registration.name !== name) displayNames.set(name, registration.name);
  }
  const names = [...classes.keys()];
  return {
    names,
    registered: names.map((binding) => ({ binding, name: displayNames.get(binding) ?? binding, className: classes.get(binding)!.name || binding })),
    has: (name) => classes.has(name),
    classOf(name, version) {
      const found = classes.get(name);
      if (!found) throw new UnknownWorkflowError(name, names);
      // Unpinned (created before the workflow had versions): the current code. Dynamic: the loader picks.
      if (version === undefined || dynamic.has(name)) return found;
      const pinned = versioned.get(name);
      const code = pinned?.versions.get(version);
      if (!code) throw new WorkflowVersionUnavailableError(name, version, pinned ? [...pinned.versions.keys()] : []);
      return code;
    },
    currentVersionOf(name, context) {
      const current = versioned.get(name)?.current ?? dynamic.get(name)?.(context);
      if (current === undefined || typeof current === 'string') return checkedVersion(name, current);
      return current.then((value) => checkedVersion(name, value));
    },
    schemaOf: (name) => schemas.get(name),
    schedules,
    limits,
    displayNames,
  };
}

/** A dynamic registration's `currentVersion` answer, checked as a version name (undefined: unversioned). */
function checkedVersion(name: string, version: unknown): string | undefined {
  if (version === undefined) return undefined;
  const parsed = WorkflowVersionSchema.safeParse(version);
  if (!parsed.success) {
    throw new ValidationError(
      `currentVersion of workflow "${name}"`,
      'a version name: 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit',
      version,
    );
  }
  return parsed.data;
}
