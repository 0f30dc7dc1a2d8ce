// The `workflows` map given to createRuntime, read once: binding name -> class, params schema, cron schedules
// and concurrency limit. Lookups use own keys only, so `__proto__` or `toString` is an unknown workflow.

import { UnknownWorkflowError, ValidationError } from './errors.js';
import type { WorkflowClass } from './entrypoint.js';
import { parseCron, type CronSchedule } from './cron.js';
import { SLOT_WORKFLOW } from './engine/concurrency-slots.js';
import { isStandardSchema, type StandardSchemaV1 } from './standard-schema.js';

export type WorkflowRegistration =
  | WorkflowClass
  | {
      workflow: WorkflowClass;
      /** The workflow's name, as wrangler's `name` beside `binding`: what `event.workflowName` reads. Default: the binding name. */
      name?: string;
      /** Validates `create()` params: any Standard Schema validator (zod 3.25+ or 4, valibot, arktype, ...). Its output is what run() receives. */
      params?: StandardSchemaV1;
      /** Cron expressions (UTC), as wrangler's `schedules`: each fire time creates an instance with params `{}`. */
      schedules?: string[];
      /** As wrangler's `concurrency`: at most `limit` instances run at once (across runners); the rest wait queued. */
      concurrency?: { limit: number };
    };

/** A bound workflow as tools show it: its binding, its own name (`workflows[].name`, else the binding), its class's name. */
export interface RegisteredWorkflow {
  binding: string;
  name: string;
  className: string;
}

export interface Registrations {
  readonly names: readonly string[];
  readonly registered: readonly RegisteredWorkflow[];
  /** The class bound as `name`; UnknownWorkflowError naming the bound ones otherwise. */
  classOf(name: string): WorkflowClass;
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
  for (const [name, registration] of Object.entries(workflows)) {
    if (name === SLOT_WORKFLOW) throw new ValidationError('createRuntime workflows', `a binding name other than "${SLOT_WORKFLOW}" (reserved)`, name);
    if (typeof registration === 'function') {
      classes.set(name, registration);
      continue;
    }
    classes.set(name, registration.workflow);
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
    classOf(name) {
      const found = classes.get(name);
      if (!found) throw new UnknownWorkflowError(name, names);
      return found;
    },
    schemaOf: (name) => schemas.get(name),
    schedules,
    limits,
    displayNames,
  };
}
