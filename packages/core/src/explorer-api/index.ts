export { createLocalExplorerApi, LOCAL_EXPLORER_BASE_PATH, type LocalExplorerApi, type LocalExplorerApiOptions } from './api.js';
export { explorerWorkflowsOf, type ExplorerWorkflow } from './workflows.js';
export { explorerInstanceDetails } from './instance-details.js';
export { trackRunningAttempts, type RunningAttempt, type RunningAttempts } from './running.js';
export { countInstancesOf } from './listing.js';
