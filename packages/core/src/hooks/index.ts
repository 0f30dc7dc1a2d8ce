export type { RuntimeHooks, StepStartInfo, StepEndInfo, InstanceStatusChange, ReplayInfo } from './types.js';
export { withHooks } from './with-hooks.js';
