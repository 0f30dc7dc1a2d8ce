// Typed errors. Every Cairn error carries a literal `code`, keeps `cause`, and is recognised across
// duplicate copies of this package (a custom store may bundle its own core) through a global symbol.

const BRAND = Symbol.for('cairn.error');

export type CairnErrorCode =
  | 'invalid_input'
  | 'instance_already_exists'
  | 'instance_not_found'
  | 'instance_finished'
  | 'instance_cannot_terminate'
  | 'payload_too_large'
  | 'not_serializable'
  | 'step_limit_reached'
  | 'invalid_step_config'
  | 'unknown_workflow'
  | 'lease_lost'
  | 'version_conflict'
  | 'store_error'
  | 'scheduler_error'
  | 'corrupt_record'
  | 'too_many_events'
  | 'non_determinism'
  | 'workflow_version_unavailable'
  | 'runner_lost';

export interface CairnErrorOptions {
  cause?: unknown;
}

/** Base class of every error Cairn throws on purpose. Use `CairnError.is(err)` rather than `instanceof`. */
export class CairnError extends Error {
  readonly code: CairnErrorCode;
  declare readonly [BRAND]: true;

  constructor(code: CairnErrorCode, message: string, options?: CairnErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = 'CairnError';
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for any Cairn error, from any copy of `@cairn/core`; narrows to a code when one is given. */
  static is<C extends CairnErrorCode>(error: unknown, code?: C): error is CairnError & { code: C } {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[BRAND] === true &&
      (code === undefined || (error as CairnError).code === code)
    );
  }
}

/** Bad input: names the input and what is allowed. Nothing was written. */
export class ValidationError extends CairnError {
  constructor(
    readonly input: string,
    readonly allowed: string,
    readonly received?: unknown,
    /** `headline` replaces "Invalid <input>" at the start of the message (for Cloudflare's own wording). */
    options?: CairnErrorOptions & { headline?: string },
  ) {
    super('invalid_input', `${options?.headline ?? `Invalid ${input}`}: expected ${allowed}${describeReceived(received)}`, options);
    this.name = 'ValidationError';
  }
}

/** A factory was given options it cannot use: names the adapter, the factory and each bad option. Nothing was created. */
export class InvalidOptionsError extends CairnError {
  /** The first bad option (a dotted path), for code that handles one. */
  readonly option: string;

  constructor(
    readonly adapter: string,
    readonly factory: string,
    readonly problems: ReadonlyArray<{ option: string; message: string }>,
    options?: CairnErrorOptions,
  ) {
    const described = problems.map((problem) => `invalid option "${problem.option}": ${problem.message}`).join('; ');
    super('invalid_input', `[cairn] [${adapter}] ${factory} options: ${described}`, options);
    this.name = 'InvalidOptionsError';
    this.option = problems[0]?.option ?? 'options';
  }
}

export class InstanceAlreadyExistsError extends CairnError {
  constructor(
    readonly workflowName: string,
    readonly instanceId: string,
  ) {
    super('instance_already_exists', `Workflow instance "${instanceId}" of "${workflowName}" already exists`);
    this.name = 'InstanceAlreadyExistsError';
  }
}

export class InstanceNotFoundError extends CairnError {
  constructor(
    readonly workflowName: string,
    readonly instanceId: string,
  ) {
    super('instance_not_found', `Workflow instance "${instanceId}" of "${workflowName}" was not found (instance.not_found)`);
    this.name = 'InstanceNotFoundError';
  }
}

/** An operation that needs a live instance (sendEvent, terminate) met a finished one. */
export class InstanceFinishedError extends CairnError {
  constructor(
    readonly workflowName: string,
    readonly instanceId: string,
    readonly status: string,
    readonly operation: string,
  ) {
    super(
      operation === 'terminate' ? 'instance_cannot_terminate' : 'instance_finished',
      `Cannot ${operation} workflow instance "${instanceId}": it is already ${status}` + (operation === 'terminate' ? ' (instance.cannot_terminate)' : ''),
    );
    this.name = 'InstanceFinishedError';
  }
}

export class PayloadTooLargeError extends CairnError {
  constructor(
    readonly what: string,
    readonly bytes: number,
    readonly limitBytes: number,
  ) {
    super('payload_too_large', `${what} is too large: ${bytes} bytes serialized. Maximum allowed size is ${formatBytes(limitBytes)}`);
    this.name = 'PayloadTooLargeError';
  }
}

/** A value that Cairn cannot store: a function, a symbol, a class instance. */
export class SerializationError extends CairnError {
  constructor(
    readonly what: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super('not_serializable', `${what} returned a value which is not serialisable: ${reason} at ${path}`);
    this.name = 'DataCloneError';
  }
}

export class StepLimitError extends CairnError {
  constructor(readonly limit: number) {
    super('step_limit_reached', `The limit of ${limit} steps has been reached. This limit can be changed in your worker configuration.`);
    this.name = 'WorkflowFatalError';
  }
}

export class InvalidStepConfigError extends CairnError {
  constructor(
    readonly stepName: string,
    readonly problem: string,
  ) {
    super('invalid_step_config', `Step "${stepName}" has an invalid config: ${problem}`);
    this.name = 'InvalidStepConfigError';
  }
}

export class UnknownWorkflowError extends CairnError {
  constructor(
    readonly workflowName: string,
    readonly known: readonly string[],
  ) {
    super('unknown_workflow', `No workflow is bound as "${workflowName}"; bound workflows: ${known.join(', ') || '(none)'}`);
    this.name = 'UnknownWorkflowError';
  }
}

/** A store refused a fenced write: another runner (or terminate/restart) took the instance. */
export class LeaseLostError extends CairnError {
  constructor(
    readonly workflowName: string,
    readonly instanceId: string,
    readonly leaseToken: number,
  ) {
    super('lease_lost', `Lease ${leaseToken} on workflow instance "${instanceId}" of "${workflowName}" is no longer held`);
    this.name = 'LeaseLostError';
  }
}

/** A compare-and-set on an instance record failed: it changed since it was read. */
export class VersionConflictError extends CairnError {
  constructor(
    readonly workflowName: string,
    readonly instanceId: string,
    readonly expectedVersion: number,
  ) {
    super('version_conflict', `Workflow instance "${instanceId}" of "${workflowName}" changed since version ${expectedVersion} was read`);
    this.name = 'VersionConflictError';
  }
}

/** A stored record does not parse: named by adapter and instance, never returned as data. */
export class CorruptRecordError extends CairnError {
  constructor(
    readonly adapter: string,
    readonly workflowName: string,
    readonly instanceId: string,
    /** What did not parse: `instance`, `step`, `event`. */
    readonly record: string,
    options?: CairnErrorOptions,
  ) {
    super('corrupt_record', `[cairn] [${adapter}] the stored ${record} of workflow instance "${instanceId}" of "${workflowName}" is corrupt`, options);
    this.name = 'CorruptRecordError';
  }
}

/** `sendEvent` to an instance holding as many unconsumed events as it may buffer. Nothing was written. */
export class EventBufferFullError extends CairnError {
  constructor(
    readonly workflowName: string,
    readonly instanceId: string,
    readonly limit: number,
  ) {
    super(
      'too_many_events',
      `Workflow instance "${instanceId}" of "${workflowName}" already holds ${limit} events no step has taken; send again once it consumes some`,
    );
    this.name = 'EventBufferFullError';
  }
}

/** A storage or scheduler adapter failed; names the adapter and operation, keeps the cause. */
export class AdapterError extends CairnError {
  constructor(
    readonly adapter: string,
    readonly operation: string,
    message: string,
    options?: CairnErrorOptions & { code?: 'store_error' | 'scheduler_error'; option?: string },
  ) {
    super(options?.code ?? 'store_error', `[cairn] [${adapter}] ${operation}: ${message}`, options);
    this.name = 'AdapterError';
    this.option = options?.option;
  }
  readonly option: string | undefined;
}

/**
 * Throw from a step to fail it at once, without retries. Matched by `name`, so an error of the same
 * name from another library (or from Cloudflare's `cloudflare:workflows`) behaves the same.
 */
export class NonRetryableError extends Error {
  constructor(message: string, name = 'NonRetryableError') {
    super(message);
    this.name = name;
  }
}

/** A step attempt that ran past its timeout, or a `waitForEvent` that saw no event in time. */
export class WorkflowTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkflowTimeoutError';
  }
}

function describeReceived(received: unknown): string {
  if (received === undefined) return '';
  let text: string;
  try {
    text =
      typeof received === 'object' && received !== null
        ? JSON.stringify(received, (_key, value: unknown) => (typeof value === 'function' ? '[function]' : typeof value === 'bigint' ? `${value}n` : value))
        : typeof received === 'string'
          ? JSON.stringify(received)
          : String(received);
  } catch {
    text = typeof received;
  }
  return `; received ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)}MiB` : `${bytes} bytes`;
}

/**
 * A replay's `run()` asked for a step that contradicts the journal (the code changed under a running instance):
 * the replay stopped before that step ran, and the instance is parked as `paused`, nothing recorded. Fix the
 * code (or restart the instance) and resume it. `recorded` and `requested` are the step sequences compared.
 */
export class NonDeterminismError extends CairnError {
  constructor(
    readonly workflowName: string,
    readonly instanceId: string,
    /** Call index (1-based) of the first contradiction. */
    readonly index: number,
    readonly recorded: readonly string[],
    readonly requested: readonly string[],
  ) {
    super(
      'non_determinism',
      `Instance "${instanceId}" of workflow "${workflowName}": run() asked for ${requested[requested.length - 1]?.replace(/^\d+:/, '') ?? 'a step'} as step call ${index}, ` +
        `which contradicts the journal. Recorded: [${recorded.join(', ')}]; requested: [${requested.join(', ')}]. ` +
        'The instance is paused and nothing was recorded: deploy code that replays this journal (or restart the instance), then resume it.',
    );
    this.name = 'NonDeterminismError';
  }
}

/**
 * The code version an instance is pinned to is not available here (a registration without it, or a dynamic
 * loader that cannot load it). The instance is left as it was, for a host (or a later deploy) that has it.
 */
export class WorkflowVersionUnavailableError extends CairnError {
  constructor(
    readonly workflowName: string,
    readonly version: string,
    readonly available: readonly string[],
    options?: CairnErrorOptions & { instanceId?: string },
  ) {
    super(
      'workflow_version_unavailable',
      `Workflow "${workflowName}" has no code version "${version}" here` +
        (options?.instanceId ? ` (instance "${options.instanceId}" runs it)` : '') +
        (available.length > 0 ? `; available: ${available.map((name) => `"${name}"`).join(', ')}` : '') +
        '. The instance is left untouched for a host that has it.',
      options,
    );
    this.name = 'WorkflowVersionUnavailableError';
  }
}

/**
 * The code running an instance was lost mid-replay (an isolated runner that ended: its Worker hit a limit and was
 * stopped). Thrown from `run()`, it ends the replay without touching the instance, which runs again at once
 * from its journal.
 */
export class RunnerLostError extends CairnError {
  constructor(message: string, options?: CairnErrorOptions) {
    super('runner_lost', message, options);
    this.name = 'RunnerLostError';
  }
}
