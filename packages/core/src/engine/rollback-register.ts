// Validates a step's rollback options (`step.do(name, fn, { rollback, rollbackConfig })`) and registers them
// with the replay; an invalid option throws into run(), which may catch it, as an invalid step config does.

import { InvalidStepConfigError } from '../errors.js';
import type { WorkflowStepRollbackOptions } from '../entrypoint.js';
import { resolveStepConfig, type WorkflowStepConfig } from '../step-config.js';
import type { StepCall } from './call-order.js';
import { RollbackEntry } from './rollback-entry.js';
import type { StepScope } from './scope.js';

const OPTION_KEYS = new Set(['rollback', 'rollbackConfig']);

/** Registers the step's rollback; nothing to register without a handler. */
export function registerRollback(
  scope: StepScope,
  step: StepCall & { name: string },
  stepConfig: WorkflowStepConfig | undefined,
  options: unknown,
): RollbackEntry | undefined {
  const invalid = (reason: string): never => {
    throw new InvalidStepConfigError(step.name, reason);
  };
  if (typeof options !== 'object' || options === null) invalid('the options after the callback must be an object { rollback, rollbackConfig }');
  for (const key of Object.keys(options as object)) {
    if (!OPTION_KEYS.has(key)) invalid(`unknown option "${key}" after the callback (allowed: rollback, rollbackConfig)`);
  }
  const { rollback, rollbackConfig } = options as WorkflowStepRollbackOptions<unknown>;
  if (rollback === undefined) return undefined;
  if (typeof rollback !== 'function') invalid('`rollback` must be a function');
  try {
    resolveStepConfig(step.name, rollbackConfig);
  } catch (error) {
    invalid(`rollbackConfig: ${error instanceof InvalidStepConfigError ? error.problem : String(error)}`);
  }
  const entry = new RollbackEntry(scope.journal, step.name, step.count, step.index, rollback, rollbackConfig, stepConfig);
  scope.registerRollback(entry);
  return entry;
}
