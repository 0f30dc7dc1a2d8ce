// One attempt of a step: the callback (or the test override) raced against the step's timeout, and the
// context that callback receives: a plain object, as Cloudflare's (a step may return it), whose `signal` is a
// non-enumerable getter, so the AbortSignal is made only when read.

import { WorkflowTimeoutError } from '../errors.js';
import type { WorkflowStepContext } from '../entrypoint.js';
import type { ResolvedStepConfig, WorkflowStepContextConfig } from '../step-config.js';
import type { DeadlineWatch } from './deadlines.js';
import type { StepScope } from './scope.js';
import { stepContext } from './step-context.js';
import { collectStream, isReadableStream } from './step-stream.js';
import { stepKey } from '../journal/keys.js';

export type StepCallback<T> = (ctx: WorkflowStepContext) => Promise<T> | T;

export class StepAttempt implements DeadlineWatch {
  readonly deadline: number;
  deadlineSlot = -1;
  private controller: AbortController | undefined;
  private timedOut: WorkflowTimeoutError | undefined;
  private onScopeEnd: (() => void) | undefined;
  private reject: ((error: unknown) => void) | undefined;

  constructor(
    private readonly scope: StepScope,
    private readonly forward: boolean,
    private readonly name: string,
    private readonly count: number,
    readonly attempt: number,
    readonly config: ResolvedStepConfig,
    /** `ctx.config`: the config as the code gave it. */
    private readonly givenConfig: WorkflowStepContextConfig,
  ) {
    this.deadline = scope.now + config.timeout;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      const { signal } = this.scope;
      if (this.timedOut) this.controller.abort(this.timedOut);
      else if (signal.aborted) this.controller.abort(signal.reason);
      else {
        this.onScopeEnd = () => this.controller?.abort(signal.reason);
        signal.addEventListener('abort', this.onScopeEnd, { once: true });
      }
    }
    return this.controller.signal;
  }

  /** Runs the callback; the promise settles with its outcome or the timeout, whichever comes first. `end` must follow. */
  start(callback: StepCallback<unknown>): Promise<unknown> {
    const { scope } = this;
    // Test overrides (mockStepResult, ...) name forward steps; a rollback always runs its handler.
    const override = this.forward ? scope.stepOverride?.({ ...scope.ref, name: this.name, count: this.count, attempt: this.attempt }) : undefined;
    const outcome = new Promise<unknown>((resolve, reject) => {
      this.reject = reject;
      if (override && 'timeout' in override) return;
      // A stream is read to its end within the attempt (its timeout covers the reading).
      const settle = (value: unknown) => (isReadableStream(value) ? collectStream(value, this.name).then(resolve, reject) : resolve(value));
      try {
        const result = !override ? this.call(callback) : 'value' in override ? override.value : Promise.reject(override.error);
        if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') (result as PromiseLike<unknown>).then(settle, reject);
        else settle(result);
      } catch (error) {
        reject(error);
      }
    });
    scope.watchDeadline(this);
    scope.enter();
    return outcome;
  }

  private call(callback: StepCallback<unknown>): unknown {
    const { telemetry } = this.scope.settings;
    if (!telemetry || !this.forward) return callback(this.context());
    // Within the attempt's span, so that spans the step's own code makes are its children.
    return telemetry.runAttempt(this.scope.ref, stepKey('do', this.name, this.count), this.attempt, () => callback(this.context()));
  }

  private context(): WorkflowStepContext {
    return stepContext({ name: this.name, count: this.count }, this.attempt, this.givenConfig, () => this.signal);
  }

  /** Called at `deadline`: the attempt ran past its timeout; abort it and fail it. */
  onTimeout(): void {
    this.timedOut = new WorkflowTimeoutError(`Execution timed out after ${this.config.timeout}ms`);
    this.controller?.abort(this.timedOut);
    this.reject?.(this.timedOut);
  }

  end(): void {
    this.scope.leave();
    this.scope.unwatchDeadline(this);
    if (this.onScopeEnd) this.scope.signal.removeEventListener('abort', this.onScopeEnd);
  }
}
