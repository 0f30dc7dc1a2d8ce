// @cairn/cli: the `cairn` command, and helpers for its config file.

export { defineConfig, loadConfig, findConfig, type CairnConfig, type CairnConfigInput, type StoreDescriptor, type LoadedConfig } from './config.js';
export { runCli } from './main.js';
export type { CliIO } from './io.js';
export { buildTimeline, type TimelineStep, type StepState } from './timeline.js';
export { dueIndexScheduler } from './context.js';
