// @cairn/testkit: the WorkflowStore and host conformance suites, and a virtual-time test environment for workflows.

export { describeStoreConformance, type StoreConformanceOptions, type StoreFactory, type StoreFaults, type StoreHarness } from './conformance/index.js';
/** Valid records for a store author's own tests (the conformance suite builds its records with these). */
export { makeInstance, makeStep, makeEvent, uniqueId, T0 } from './conformance/fixtures.js';
export {
  createTestEnvironment,
  type TestEnvironment,
  type TestEnvironmentOptions,
  type InstanceTarget,
  type MockEventScope,
} from './environment/environment.js';
export { createVirtualClock, type VirtualClock, type VirtualClockOptions } from './environment/virtual-clock.js';
export { stepHistory, type StepHistoryEntry, type StepHistoryState } from './environment/history.js';
export type { StepSelector } from './environment/selectors.js';
export {
  describeHostConformance,
  type HostConformanceOptions,
  type HostFactory,
  type HostHarness,
  type HostSetup,
  type HostRequest,
  type HttpAnswer,
  type WakeAnswer,
} from './hosts/index.js';
