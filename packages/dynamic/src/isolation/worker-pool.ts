// Workers for one tenant's code (a tenant and version), reused by its later replays: a Worker imports the code
// once, then runs one run() at a time. Idle Workers are kept (at most `maxIdle`, unref'd so they never hold the
// process open); a Worker that went past a limit is stopped and never comes back.

import { Worker } from 'node:worker_threads';
import { toError, WorkerMessageSchema, type RunMessage } from './messages.js';
import type { ResolvedIsolation } from './limits.js';
import { WORKER_SCRIPT } from './worker-script.js';

/** Tenant code as the Worker imports it: module text (imports already pointed at @cairn/core) or a file. */
export type IsolatedCode = { text: string; exportName?: string } | { file: string; version: string; exportName?: string };

/** The run a Worker is running now: told of its messages and of the Worker's death. */
export interface WorkerRun {
  readonly runId: number;
  onMessage(message: RunMessage): void;
  onDeath(error: Error | undefined, byUs: boolean): void;
  onProtocolError(error: Error): void;
}

export class PooledWorker {
  readonly worker: Worker;
  /** Settles once the tenant's module is imported; rejects with its import error. */
  readonly ready: Promise<void>;
  alive = true;
  run: WorkerRun | undefined;
  private stoppedByUs = false;

  constructor(code: IsolatedCode, limits: ResolvedIsolation, onGone: (worker: PooledWorker) => void) {
    this.worker = new Worker(WORKER_SCRIPT, { eval: true, workerData: { code, env: limits.env }, resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb } });
    let loaded!: { resolve(): void; reject(error: Error): void };
    this.ready = new Promise<void>((resolve, reject) => (loaded = { resolve, reject }));
    // Waited on by a run; a Worker nobody waits on must not leave an unhandled rejection.
    this.ready.catch(() => undefined);
    this.worker.on('message', (raw: unknown) => {
      const parsed = WorkerMessageSchema.safeParse(raw);
      if (!parsed.success) {
        this.run?.onProtocolError(new TypeError(`@cairn/dynamic: the tenant's Worker sent a message that is not of the protocol: ${parsed.error.message}`));
        return this.terminate();
      }
      const message = parsed.data;
      if (message.type === 'ready') return loaded.resolve();
      if (message.type === 'load-failed') {
        loaded.reject(toError(message.error));
        return this.terminate();
      }
      if (this.run && message.runId === this.run.runId) this.run.onMessage(message);
    });
    const gone = (error: Error | undefined) => {
      if (!this.alive) return;
      this.alive = false;
      loaded.reject(error ?? new Error("@cairn/dynamic: the tenant's isolated Worker exited"));
      this.run?.onDeath(error, this.stoppedByUs);
      onGone(this);
    };
    this.worker.on('error', gone);
    this.worker.on('exit', () => gone(undefined));
  }

  /** Alive, and not being stopped: may run another run. */
  get usable(): boolean {
    return this.alive && !this.stoppedByUs;
  }

  post(message: Record<string, unknown>): void {
    if (this.alive) this.worker.postMessage(message);
  }

  terminate(): void {
    if (this.stoppedByUs) return;
    this.stoppedByUs = true;
    void this.worker.terminate();
  }
}

export class WorkerPool {
  private readonly idle: PooledWorker[] = [];
  private closed = false;

  constructor(
    private readonly code: IsolatedCode,
    private readonly limits: ResolvedIsolation,
    private readonly maxIdle = 2,
  ) {}

  /** An idle Worker of this code, or a new one; it holds the process open while a run uses it. */
  acquire(run: WorkerRun): PooledWorker {
    let pooled = this.idle.pop();
    while (pooled && !pooled.usable) pooled = this.idle.pop();
    pooled ??= new PooledWorker(this.code, this.limits, (gone) => this.forget(gone));
    pooled.run = run;
    pooled.worker.ref();
    return pooled;
  }

  /** The run is over and the Worker is healthy: keep it for the next one (or stop it, past `maxIdle`). */
  release(pooled: PooledWorker): void {
    pooled.run = undefined;
    if (!pooled.usable) return;
    if (this.closed || this.idle.length >= this.maxIdle) return pooled.terminate();
    pooled.worker.unref();
    this.idle.push(pooled);
  }

  /** Stops the idle Workers (the code was evicted); Workers running a run stop when it ends. */
  close(): void {
    this.closed = true;
    for (const pooled of this.idle.splice(0)) pooled.terminate();
  }

  private forget(pooled: PooledWorker): void {
    const at = this.idle.indexOf(pooled);
    if (at >= 0) this.idle.splice(at, 1);
  }
}
