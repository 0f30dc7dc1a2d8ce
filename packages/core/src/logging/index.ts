export { createLogSink, type CairnLogger, type LogLevel, type LogFields } from './logger.js';
export { runtimeLogHooks, mergeHooks } from './runtime-records.js';
export type { WorkflowLogger } from './workflow-logger.js';
