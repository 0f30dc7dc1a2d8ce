// @cairn/scheduler-cloud-tasks: Cairn wake-ups as Google Cloud Tasks HTTP tasks.

export { createCloudTasksScheduler } from './scheduler.js';
export { CLOUD_TASKS_MAX_AHEAD_MS, type CloudTasksSchedulerOptions, type CloudTasksLike } from './options.js';
export { wakeTaskId, TASK_ID_PATTERN } from './task-id.js';
