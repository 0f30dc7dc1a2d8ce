// A tenant's run() in a Worker of its own (one per replay): step calls cross to the engine, which asks the Worker
// to run each attempt. An attempt that keeps the Worker busy past its CPU limit, or a Worker that runs out of
// heap, is stopped: the attempts running in it fail with an IsolationLimitError (recorded, retried as any error),
// and the replay ends with RunnerLostError, so that the instance runs again from its journal in a new Worker.
// A Worker is a fault boundary, not a security sandbox: it shares the process and its privileges.

import { Worker } from 'node:worker_threads';
import { RunnerLostError, type WorkflowEvent, type WorkflowExecutionContext, type WorkflowStep } from '@cairn/core';
import { errorOf, toError, WorkerMessageSchema, type StepCallMessage, type WorkerMessage } from './messages.js';
import { IsolationLimitError, type ResolvedIsolation } from './limits.js';
import { WORKER_SCRIPT } from './worker-script.js';
import type { WorkflowRunner } from '../types.js';

/** Tenant code as the Worker imports it: module text (imports already pointed at @cairn/core) or a file. */
export type IsolatedCode = { text: string; exportName?: string } | { file: string; version: string; exportName?: string };

/** How often a running attempt's CPU use is checked. */
const CPU_CHECK_MS = 10;

interface RunningAttempt {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  started: ReturnType<Worker['performance']['eventLoopUtilization']>;
}

export function isolatedRunner(code: IsolatedCode, limits: ResolvedIsolation, ctx: WorkflowExecutionContext): WorkflowRunner {
  return {
    run: (event, step) => new IsolatedRun(code, limits, ctx, event, step).result,
  };
}

class IsolatedRun {
  readonly result: Promise<never>;
  private settle!: { resolve(value: unknown): void; reject(error: unknown): void };
  private readonly worker: Worker;
  private readonly attempts = new Map<number, RunningAttempt>();
  private attemptSeq = 0;
  private stopped = false;
  private watch: NodeJS.Timeout | undefined;

  constructor(
    code: IsolatedCode,
    private readonly limits: ResolvedIsolation,
    ctx: WorkflowExecutionContext,
    event: WorkflowEvent<unknown>,
    private readonly step: WorkflowStep,
  ) {
    this.result = new Promise<never>((resolve, reject) => (this.settle = { resolve: resolve as (value: unknown) => void, reject }));
    this.worker = new Worker(WORKER_SCRIPT, {
      eval: true,
      workerData: {
        code,
        env: limits.env,
        ctx: { instanceId: ctx.instanceId, workflowName: ctx.workflowName },
        event: { payload: event.payload, timestamp: event.timestamp.getTime(), instanceId: event.instanceId },
      },
      resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb },
    });
    this.worker.on('message', (raw: unknown) => this.onMessage(raw));
    this.worker.on('error', (error: Error) => this.onDeath(error));
    this.worker.on('exit', () => this.onDeath(undefined));
    // The replay ended (suspended, finished, lost): its Worker goes with it.
    ctx.signal.addEventListener('abort', () => this.stop(), { once: true });
  }

  private onMessage(raw: unknown): void {
    const parsed = WorkerMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.stop();
      return this.settle.reject(new TypeError(`@cairn/dynamic: the tenant's Worker sent a message that is not of the protocol: ${parsed.error.message}`));
    }
    const message: WorkerMessage = parsed.data;
    if (message.type === 'call') return this.forward(message);
    if (message.type === 'attempt-result') {
      const attempt = this.attempts.get(message.attemptId);
      if (!attempt) return;
      this.endAttempt(message.attemptId);
      if (message.ok) attempt.resolve(message.value);
      else attempt.reject(toError(message.error));
      return;
    }
    this.stop();
    if (message.ok) this.settle.resolve(message.value);
    else this.settle.reject(toError(message.error));
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
      (value) => this.send({ type: 'settled', id: call.id, ok: true, value }),
      (error: unknown) => this.send({ type: 'settled', id: call.id, ok: false, error: errorOf(error) }),
    );
  }

  /** An attempt of a step's callback, run in the Worker under the CPU limit. */
  private runAttempt(id: number, context: unknown): Promise<unknown> {
    if (this.stopped) {
      // The Worker that held run() is gone: this replay cannot go on; a new one runs in a new Worker.
      this.lose();
      return new Promise(() => undefined);
    }
    const attemptId = ++this.attemptSeq;
    return new Promise((resolve, reject) => {
      this.attempts.set(attemptId, { resolve, reject, started: this.worker.performance.eventLoopUtilization() });
      this.watch ??= setInterval(() => this.checkCpu(), CPU_CHECK_MS);
      this.send({ type: 'attempt', id, attemptId, context: cloneable(context) });
    });
  }

  private checkCpu(): void {
    for (const attempt of this.attempts.values()) {
      const busy = this.worker.performance.eventLoopUtilization(attempt.started).active;
      if (busy > this.limits.cpuMsPerAttempt) {
        return this.failAttempts(
          new IsolationLimitError('cpu', `The step attempt kept its isolated Worker busy past its CPU limit of ${this.limits.cpuMsPerAttempt} ms`),
        );
      }
    }
  }

  private endAttempt(attemptId: number): void {
    this.attempts.delete(attemptId);
    if (this.attempts.size === 0 && this.watch) {
      clearInterval(this.watch);
      this.watch = undefined;
    }
  }

  /** Stops the Worker and fails every attempt running in it with `error`. */
  private failAttempts(error: IsolationLimitError): void {
    this.stop();
    // Deleting the entry being visited is safe in a Map iteration.
    for (const [attemptId, attempt] of this.attempts) {
      this.endAttempt(attemptId);
      attempt.reject(error);
    }
  }

  private onDeath(error: Error | undefined): void {
    const byUs = this.stopped;
    const running = this.attempts.size > 0;
    const outOfMemory = (error as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    this.stopped = true;
    if (running) {
      const limit = outOfMemory
        ? new IsolationLimitError('memory', `The step attempt ran its isolated Worker out of its ${this.limits.memoryMb} MiB heap`, { cause: error })
        : new IsolationLimitError('cpu', 'The isolated Worker running the step attempt stopped', { cause: error });
      return this.failAttempts(limit);
    }
    if (!error && !byUs) return this.settle.reject(new Error("@cairn/dynamic: the tenant's isolated Worker exited before run() returned"));
    // Outside any attempt: run() itself (its code between steps) went past a limit, or threw while loading.
    if (error)
      this.settle.reject(
        outOfMemory ? new IsolationLimitError('memory', `run() ran its isolated Worker out of its ${this.limits.memoryMb} MiB heap`, { cause: error }) : error,
      );
  }

  private send(message: Record<string, unknown>): void {
    if (this.stopped) return this.lose();
    this.worker.postMessage(message);
  }

  private lose(): void {
    this.settle.reject(new RunnerLostError("The tenant's isolated Worker stopped; the instance runs again from its journal in a new one"));
  }

  private stop(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = undefined;
    if (this.stopped) return;
    this.stopped = true;
    void this.worker.terminate();
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
