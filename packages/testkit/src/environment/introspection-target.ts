// What a Cloudflare-style introspector needs of the test environment a binding belongs to. Each environment
// registers its bindings here, so `introspectWorkflowInstance(env.MY_WORKFLOW, id)` finds it from the binding.

import { ValidationError, type InstanceRef, type Journal, type Runtime, type WorkflowStore } from '@cairn/core';
import type { StepRule } from './overrides.js';
import type { ScopedTimeRule, TimeRules } from './time-rules.js';

export interface IntrospectionTarget {
  readonly bindingName: string;
  readonly runtime: Runtime<object>;
  readonly store: WorkflowStore;
  /** Every instance created in the environment so far, in order. */
  created(): readonly InstanceRef[];
  /** Each adder returns the function that removes what it added. */
  addStepRule(rule: StepRule): () => void;
  addTimeRule(rule: ScopedTimeRule): () => void;
  addMockEvent(event: { type: string; payload?: unknown }, accept: (ref: InstanceRef) => boolean): Promise<() => void>;
  drive<T>(what: string, check: () => Promise<T | undefined>, widen?: Partial<Pick<TimeRules, 'sleeps' | 'retryDelays'>>): Promise<T>;
  settle(): Promise<void>;
  load(ref: InstanceRef): Promise<Journal | null>;
  now(): number;
}

const targets = new WeakMap<object, IntrospectionTarget>();

export function registerIntrospectionTarget(binding: object, target: IntrospectionTarget): void {
  targets.set(binding, target);
}

export function introspectionTargetOf(binding: unknown, input: string): IntrospectionTarget {
  const target = typeof binding === 'object' && binding !== null ? targets.get(binding) : undefined;
  if (!target) {
    throw new ValidationError(
      input,
      "a Workflow binding of a test environment (createTestEnvironment(...).runtime.env.<BINDING> or .workflow('<BINDING>'))",
      binding,
    );
  }
  return target;
}
