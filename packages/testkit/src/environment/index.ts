// @cairn/testkit/environment: the virtual-time test environment and Cloudflare's test API, without vitest
// (the root entry adds the conformance suites, which need it). Imports in any runner, or none.

export { createTestEnvironment, type TestEnvironment, type TestEnvironmentOptions, type InstanceTarget, type MockEventScope } from './environment.js';
export { createVirtualClock, type VirtualClock, type VirtualClockOptions } from './virtual-clock.js';
export { stepHistory, type StepHistoryEntry, type StepHistoryState } from './history.js';
export type { StepSelector } from './selectors.js';
export {
  introspectWorkflowInstance,
  introspectWorkflow,
  type WorkflowInstanceIntrospector,
  type WorkflowIntrospector,
  type WorkflowInstanceModifier,
  type WorkflowStepSelector,
  type ModifierCallback,
} from './cloudflare-introspection.js';
