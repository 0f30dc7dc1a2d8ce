// @cairn/scheduler-eventbridge: wake-ups as one-time Amazon EventBridge Scheduler schedules.
export { createEventBridgeScheduler, type EventBridgeSchedulerOptions } from './scheduler.js';
export { scheduleName, atExpression } from './names.js';
