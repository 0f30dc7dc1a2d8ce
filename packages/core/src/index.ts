// @cairn/core: Cloudflare Workflows' authoring API on a pluggable journal.

import { assertNodeVersion, MINIMUM_NODE } from './node-version.js';

assertNodeVersion(MINIMUM_NODE, '@cairn/core');

export { assertNodeVersion, nodeSatisfies, UnsupportedNodeError, MINIMUM_NODE } from './node-version.js';

export { WorkflowEntrypoint } from './entrypoint.js';
export type {
  WorkflowEvent,
  WorkflowStep,
  WorkflowStepContext,
  WorkflowStepEvent,
  WorkflowRollbackContext,
  WorkflowCronSchedule,
  WorkflowStepRollbackOptions,
  WorkflowStepConfig,
  WorkflowExecutionContext,
  WaitForEventOptions,
  WorkflowClass,
  WorkflowSleepDuration,
  WorkflowTimeoutDuration,
  WorkflowDelayDuration,
  WorkflowDurationLabel,
  WorkflowBackoff,
} from './entrypoint.js';
export {
  CairnError,
  ValidationError,
  InstanceAlreadyExistsError,
  InstanceNotFoundError,
  InstanceFinishedError,
  PayloadTooLargeError,
  SerializationError,
  StepLimitError,
  InvalidStepConfigError,
  UnknownWorkflowError,
  LeaseLostError,
  VersionConflictError,
  AdapterError,
  InvalidOptionsError,
  CorruptRecordError,
  EventBufferFullError,
  NonRetryableError,
  WorkflowTimeoutError,
  NonDeterminismError,
  WorkflowVersionUnavailableError,
  RunnerLostError,
  type CairnErrorCode,
} from './errors.js';
export { tagBinding } from './binding.js';
export { dispatchContextOf, type DispatchContext } from './engine/dispatch-context.js';
export type { CurrentVersionContext } from './registrations.js';
export { type RegisteredWorkflow, createRuntime, type Runtime, type RuntimeOptions, type WorkflowRegistration } from './runtime.js';
export type { ReplayOptions } from './engine/replay.js';
// The host seam: what Lambda, Cloud Run and the Node host call.
export { handleWake, type WakeBudget, type WakeResult, type WakeHost } from './host/wake.js';
export { sweepDue, type SweepOptions, type SweepReport, type SweepHost } from './host/sweep.js';
export { deadlineOf, inProcessWaitWithin, type HostBudget } from './host/budget.js';
export { createDispatcher, type Dispatcher, type DispatcherOptions } from './host/dispatcher.js';
export type { Workflow, WorkflowInstanceCreateOptions, WorkflowBatchDeleteResult } from './binding.js';
export type { StandardSchemaV1, StandardSchemaIssue, StandardSchemaResult } from './standard-schema.js';
export type {
  WorkflowRegistrations,
  WorkflowParamsOf,
  WorkflowOutputOf,
  WorkflowBindingOf,
  WorkflowBindings,
  WorkflowBindingName,
  WorkflowBindingNamed,
  RuntimeBindings,
} from './typed-bindings.js';
export type { WorkflowInstance, InstanceStatus, RestartFromStep } from './instance-handle.js';
export type { ReplayReport, StepOverride, StepOverrideHook, StepAttemptInfo } from './engine/settings.js';
export type { BlockReason } from './engine/branches.js';
export { createMemoryStore, type MemoryStore } from './memory-store.js';
export { createTimerScheduler, type TimerSchedulerOptions } from './timer-scheduler.js';
export type { InstanceChange, Scheduler, WakeRequest, WakeSubscriber, WakeSubscription } from './scheduler.js';
export type {
  WorkflowStore,
  InstanceRef,
  CreateInstanceParams,
  InstancePatch,
  UpdateInstanceParams,
  RecordStepParams,
  RecordStepResult,
  AppendEventParams,
  ListInstancesParams,
  InstancePage,
  ListDueParams,
  ClaimDueParams,
  DueInstance,
  ClaimNonceParams,
  CountInstancesParams,
  InstanceCounts,
} from './store.js';
export {
  RECORD_VERSION,
  FINISHED_STATUSES,
  InstanceRecordSchema,
  RollbackSummarySchema,
  StepRecordSchema,
  EventRecordSchema,
  InstanceStatusSchema,
  parseInstanceRecord,
  parseStepRecord,
  parseEventRecord,
  newEventId,
  newInstanceRecord,
  newIncarnation,
  type InstanceRecord,
  type StepRecord,
  type EventRecord,
  type Journal,
  type InstanceStatusName,
  type StepKind,
  type ErrorSummary,
  type RollbackSummary,
  type InstanceError,
  type SerializedError,
} from './records.js';
export { serialize, deserialize, MAX_NESTING_DEPTH } from './serialize.js';
export { parseDuration } from './duration.js';
/** Where concurrency-limit slots live in the store (records of this workflow name are bookkeeping, not instances). */
export { SLOT_WORKFLOW as CONCURRENCY_SLOT_WORKFLOW } from './engine/concurrency-slots.js';
export { parseCron, cronTimesBetween, nextCronTime, type CronSchedule } from './cron.js';
export { systemClock, type Clock } from './clock.js';
export { DEFAULT_STEP_CONFIG, resolveStepConfig, retryDelayMs, type ResolvedStepConfig, type RetryDelayFunction } from './step-config.js';
export {
  MAX_PAYLOAD_BYTES,
  DEFAULT_STEP_LIMIT,
  DEFAULT_MAX_BUFFERED_EVENTS,
  MAX_BATCH_SIZE,
  assertInstanceId,
  assertEventType,
  assertEventId,
} from './limits.js';
export * from './http/index.js';
export type { RuntimeHooks, StepStartInfo, StepEndInfo, InstanceStatusChange, ReplayInfo } from './hooks/index.js';
export type { CairnLogger, LogLevel, LogFields, WorkflowLogger } from './logging/index.js';
export type { TelemetryOptions } from './telemetry/index.js';
// The journal's grammar, read once: step keys, the timeline of an instance, its public status, a record's meaning.
export { stepKey, rollbackKey, countOfKey } from './journal/keys.js';
export { buildStepTimeline, type StepTimelineEntry, type StepTimelineAttempt, type StepTimelineState, type TimelineOptions } from './journal/timeline.js';
export { instanceStatusOf } from './journal/status.js';
export { receivedEvents, isInternalEventType } from './journal/events.js';
export { describeStepRecord, type StepRecordEvent } from './journal/record-event.js';
// What adapters share: options, backoff and retries, leases, refs, named intervals.
export { parseOptions, type OptionsOwner } from './shared/options.js';
export { backoffDelayMs, withRetries, type BackoffPolicy, type BackoffKind, type RetryOptions } from './shared/backoff.js';
export { leaseIsLive, type Leased } from './shared/lease.js';
export { refKey, refOf } from './shared/refs.js';
export * from './shared/intervals.js';
export { sleepFor } from './clock.js';
export {
  createHostHttp,
  DEFAULT_WAKE_PATH,
  DEFAULT_SWEEP_PATH,
  DEFAULT_MAX_BODY_BYTES,
  type HostHttpOptions,
  type HostHttpHandler,
  type HostRuntime,
} from './host/http-front.js';
export {
  createRequestAuthenticator,
  type Principal,
  type AuthVerdict,
  type RequestAuthenticator,
  type RouteClass,
  type AuthenticatorOptions,
} from './host/auth.js';
export {
  signRequest,
  createHmacVerifier,
  storeNonceClaim,
  type NonceClaim,
  type HmacVerifier,
  DEFAULT_SIGNATURE_TOLERANCE_MS,
  TIMESTAMP_HEADER,
  NONCE_HEADER,
  SIGNATURE_HEADER,
  type SignRequestParams,
  type HmacVerifierOptions,
  type HmacVerdict,
} from './host/hmac.js';
export { answerClientErrors, createHostServer, toNodeListener } from './host/node-listener.js';
export {
  createLocalExplorerApi,
  LOCAL_EXPLORER_BASE_PATH,
  explorerWorkflowsOf,
  explorerInstanceDetails,
  trackRunningAttempts,
  countInstancesOf,
  type LocalExplorerApi,
  type LocalExplorerApiOptions,
  type ExplorerWorkflow,
  type RunningAttempt,
  type RunningAttempts,
} from './explorer-api/index.js';
