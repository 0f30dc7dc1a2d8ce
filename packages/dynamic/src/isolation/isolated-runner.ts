// A tenant's run() in a Worker of its code's pool: step calls cross to the engine, which asks the Worker to run
// each attempt. An attempt that keeps the Worker busy past its CPU limit, or a Worker that runs out of heap, is
// stopped: the attempts running in it fail with an IsolationLimitError (recorded, retried as any error), and the
// replay ends with RunnerLostError, so that the instance runs again from its journal in a new Worker.
// A Worker is a fault boundary, not a security sandbox: it shares the process and its privileges.

import { RunnerLostError, type WorkflowEvent, type WorkflowExecutionContext, type WorkflowStep } from '@cairn/core';
import { errorOf, toError, type RunMessage, type StepCallMessage } from './messages.js';
import { IsolationLimitError, type ResolvedIsolation } from './limits.js';
import type { PooledWorker, WorkerPool, WorkerRun } from './worker-pool.js';
import type { WorkflowRunner } from '../types.js';

/** How often a running attempt's CPU use is checked. */
const CPU_CHECK_MS = 10;

let runs = 0;

interface RunningAttempt {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  started: ReturnType<PooledWorker['worker']['performance']['eventLoopUtilization']>;
}

export function isolatedRunner(pool: WorkerPool, limits: ResolvedIsolation, ctx: WorkflowExecutionContext): WorkflowRunner {
  return {
    run: (event, step) => new IsolatedRun(pool, limits, ctx, event, step).result,
  };
}

class IsolatedRun implements WorkerRun {
  readonly runId = ++runs;
  readonly result: Promise<never>;
  private settle!: { resolve(value: unknown): void; reject(error: unknown): void };
  private readonly pooled: PooledWorker;
  private readonly attempts = new Map<number, RunningAttempt>();
  private attemptSeq = 0;
  /** The Worker is gone (stopped at a limit, or died): nothing more can run in it. */
  private lost = false;
  /** The run gave its Worker back (it ended, or its replay did). */
  private released = false;
  private watch: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: WorkerPool,
    private readonly limits: ResolvedIsolation,
    ctx: WorkflowExecutionContext,
    event: WorkflowEvent<unknown>,
    private readonly step: WorkflowStep,
  ) {
    this.result = new Promise<never>((resolve, reject) => (this.settle = { resolve: resolve as (value: unknown) => void, reject }));
    this.pooled = pool.acquire(this);
    // The replay ended (suspended, finished, lost): the Worker forgets this run and goes back to the pool.
    ctx.signal.addEventListener('abort', () => this.release(true), { once: true });
    const start = { type: 'start', runId: this.runId, ctx: { instanceId: ctx.instanceId, workflowName: ctx.workflowName } };
    const payload = { payload: event.payload, timestamp: event.timestamp.getTime(), instanceId: event.instanceId };
    this.pooled.ready.then(
      () => !this.released && this.pooled.post({ ...start, event: payload }),
      (error: unknown) => this.settle.reject(error),
    );
  }

  onMessage(message: RunMessage): void {
    if (message.type === 'call') return this.forward(message);
    if (message.type === 'attempt-result') {
      const attempt = this.attempts.get(message.attemptId);
      if (!attempt) return;
      this.endAttempt(message.attemptId);
      if (message.ok) attempt.resolve(message.value);
      else attempt.reject(toError(message.error));
      return;
    }
    this.release(false);
    if (message.ok) this.settle.resolve(message.value);
    else this.settle.reject(toError(message.error));
  }

  onProtocolError(error: Error): void {
    this.settle.reject(error);
  }

  /** A step call of the tenant's run(), made on the engine's step; its outcome is sent back. */
  private forward(call: StepCallMessage): void {
    const [first] = call.args;
    let outcome: Promise<unknown>;
    try {
      if (call.op === 'do') {
        const callback = (context: unknown) => this.runAttempt(call.id, context);
        outcome = first === null || first === undefined ? this.step.do(call.name, callback) : this.step.do(call.name, first as never, callback);
      } else if (call.op === 'sleep') outcome = this.step.sleep(call.name, first as never);
      else if (call.op === 'sleepUntil') outcome = this.step.sleepUntil(call.name, first as never);
      else outcome = this.step.waitForEvent(call.name, first as never).then((received) => ({ ...received, timestamp: received.timestamp.getTime() }));
    } catch (error) {
      outcome = Promise.reject(error);
    }
    outcome.then(
      (value) => this.send({ type: 'settled', runId: this.runId, id: call.id, ok: true, value }),
      (error: unknown) => this.send({ type: 'settled', runId: this.runId, id: call.id, ok: false, error: errorOf(error) }),
    );
  }

  /** An attempt of a step's callback, run in the Worker under the CPU limit. */
  private runAttempt(id: number, context: unknown): Promise<unknown> {
    if (this.lost) {
      // The Worker that held run() is gone: this replay cannot go on; a new one runs in a new Worker.
      this.lose();
      return new Promise(() => undefined);
    }
    const attemptId = ++this.attemptSeq;
    return new Promise((resolve, reject) => {
      this.attempts.set(attemptId, { resolve, reject, started: this.pooled.worker.performance.eventLoopUtilization() });
      this.watch ??= setInterval(() => this.checkCpu(), CPU_CHECK_MS);
      this.pooled.post({ type: 'attempt', runId: this.runId, id, attemptId, context: cloneable(context) });
    });
  }

  private checkCpu(): void {
    for (const attempt of this.attempts.values()) {
      const busy = this.pooled.worker.performance.eventLoopUtilization(attempt.started).active;
      if (busy > this.limits.cpuMsPerAttempt) {
        this.lost = true;
        this.pooled.terminate();
        return this.failAttempts(
          new IsolationLimitError('cpu', `The step attempt kept its isolated Worker busy past its CPU limit of ${this.limits.cpuMsPerAttempt} ms`),
        );
      }
    }
  }

  private endAttempt(attemptId: number): void {
    this.attempts.delete(attemptId);
    if (this.attempts.size === 0) this.stopWatch();
  }

  private stopWatch(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = undefined;
  }

  /** Fails every attempt running in the (stopped) Worker with `error`. */
  private failAttempts(error: IsolationLimitError): void {
    // Deleting the entry being visited is safe in a Map iteration.
    for (const [attemptId, attempt] of this.attempts) {
      this.endAttempt(attemptId);
      attempt.reject(error);
    }
  }

  onDeath(error: Error | undefined, byUs: boolean): void {
    const running = this.attempts.size > 0;
    const outOfMemory = (error as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    this.lost = true;
    if (running) {
      return this.failAttempts(
        outOfMemory
          ? new IsolationLimitError('memory', `The step attempt ran its isolated Worker out of its ${this.limits.memoryMb} MiB heap`, { cause: error })
          : new IsolationLimitError('cpu', 'The isolated Worker running the step attempt stopped', { cause: error }),
      );
    }
    if (byUs) return;
    // Outside any attempt: run() itself (its code between steps) went past a limit, or the Worker exited.
    if (outOfMemory)
      return this.settle.reject(
        new IsolationLimitError('memory', `run() ran its isolated Worker out of its ${this.limits.memoryMb} MiB heap`, { cause: error }),
      );
    this.settle.reject(error ?? new Error("@cairn/dynamic: the tenant's isolated Worker exited before run() returned"));
  }

  private send(message: Record<string, unknown>): void {
    if (this.lost) return this.lose();
    if (!this.released) this.pooled.post(message);
  }

  private lose(): void {
    this.settle.reject(new RunnerLostError("The tenant's isolated Worker stopped; the instance runs again from its journal in a new one"));
  }

  /** Gives the Worker back to the pool; a run its replay abandoned is dropped in the Worker first. */
  private release(abandoned: boolean): void {
    if (this.released) return;
    this.released = true;
    this.stopWatch();
    if (abandoned && !this.lost) this.pooled.post({ type: 'drop', runId: this.runId });
    if (abandoned && this.attempts.size > 0) {
      // An attempt still runs in it: the Worker is not reused while it does.
      this.pooled.terminate();
      return;
    }
    this.pool.release(this.pooled);
  }
}

/** What of a step's context can cross to the Worker (its plain data). */
function cloneable(context: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(context ?? null)) as unknown;
  } catch {
    return null;
  }
}
