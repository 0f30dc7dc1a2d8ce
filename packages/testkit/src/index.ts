// @cairn/testkit: the WorkflowStore and host conformance suites, and a virtual-time test environment for workflows.

export { describeStoreConformance, type StoreConformanceOptions, type StoreFactory, type StoreFaults, type StoreHarness } from './conformance/index.js';
/** Valid records for a store author's own tests (the conformance suite builds its records with these). */
export { makeInstance, makeStep, makeEvent, uniqueId, T0 } from './conformance/fixtures.js';
export * from './environment/index.js';
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
