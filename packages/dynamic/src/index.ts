// @cairn/dynamic: Cloudflare's Dynamic Workflows API (one dispatcher, per-tenant code loaded at run time) on Cairn.

export { DynamicWorkflowBinding, wrapWorkflowBinding, type WrapWorkflowBindingOptions } from './binding.js';
export { createDynamicWorkflowEntrypoint, dispatchWorkflow, MissingDispatcherMetadataError } from './entrypoint.js';
export { createTenantLoader, type TenantCodeRef, type TenantLoader, type TenantLoaderOptions } from './loader.js';
export type { TenantSource } from './module-source.js';
export type { DispatcherMetadata, LoadWorkflowRunner, LoadWorkflowRunnerContext, WorkflowRunner } from './types.js';
export { IsolationLimitError, type IsolationOptions } from './isolation/limits.js';
