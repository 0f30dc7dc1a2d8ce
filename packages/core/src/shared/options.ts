// Factory options, parsed one way everywhere: a zod schema with its defaults, and on failure an
// InvalidOptionsError that names the adapter, the factory and the option.

import type { z } from 'zod';
import { InvalidOptionsError } from '../errors.js';

export interface OptionsOwner {
  /** The adapter or package, as in messages: `dynamodb`, `cloud-run`, `core`. */
  adapter: string;
  /** The factory whose options these are: `createDynamoDBStore`. */
  factory: string;
}

/** Parses `options` with `schema` (defaults applied) or throws InvalidOptionsError naming the first bad option. */
export function parseOptions<S extends z.ZodType>(schema: S, options: unknown, owner: OptionsOwner): z.output<S> {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => ({ option: issue.path.map(String).join('.') || 'options', message: issue.message }));
  throw new InvalidOptionsError(owner.adapter, owner.factory, problems, { cause: parsed.error });
}
