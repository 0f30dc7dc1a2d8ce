// The `workflows` map given to createRuntime, read once: binding name -> class, params schema, cron schedules
// and concurrency limit. Lookups use own keys only, so `__proto__` or `toString` is an unknown workflow.

import type { z } from 'zod';
import { UnknownWorkflowError, ValidationError } from './errors.js';
import type { WorkflowClass } from './entrypoint.js';
import { parseCron, type CronSchedule } from './cron.js';
import { SLOT_WORKFLOW } from './engine/concurrency-slots.js';

export type WorkflowRegistration =
  | WorkflowClass
  | {
      workflow: WorkflowClass;
      /** The workflow's name, as wrangler's `name` beside `binding`: what `event.workflowName` reads. Default: the binding name. */
      name?: string;
      /** Validates `create()` params. */
      params?: z.ZodType;
      /** Cron expressions (UTC), as wrangler's `schedules`: each fire time creates an instance with params `{}`. */
      schedules?: string[];
      /** As wrangler's `concurrency`: at most `limit` instances run at once (across runners); the rest wait queued. */
      concurrency?: { limit: number };
    };

export interface Registrations {
  readonly names: readonly string[];
  /** The class bound as `name`; UnknownWorkflowError naming the bound ones otherwise. */
  classOf(name: string): WorkflowClass;
  has(name: string): boolean;
  schemaOf(name: string): z.ZodType | undefined;
  readonly schedules: ReadonlyMap<string, CronSchedule[]>;
  readonly limits: ReadonlyMap<string, number>;
  /** Binding name -> the workflow's own name, for the registrations that set one. */
  readonly displayNames: ReadonlyMap<string, string>;
}

export function readRegistrations(workflows: Record<string, WorkflowRegistration>): Registrations {
  const classes = new Map<string, WorkflowClass>();
  const schemas = new Map<string, z.ZodType | undefined>();
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
