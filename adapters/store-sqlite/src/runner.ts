// The local runner: a long-lived Node process that runs workflows on a store (SQLite, typically).
// - Startup recovery and cross-process wake-ups: it polls the due-wake-up index (one indexed query per
//   tick, a page at a time) and replays what is due: sleepers, instances created elsewhere, and instances
//   whose runner died (their `wakeAt` is their lease expiry). The same query looks a little ahead and arms
//   exact timers for what falls due before the next poll.
// - Near wake-ups scheduled by this process are exact in-process timers; far ones stay on disk only, so a
//   waiting instance costs no memory.
// - stop() (also on SIGTERM/SIGINT) stops taking work, lets running replays record and suspend, and closes.

import { createRuntime, systemClock, type Clock, type Runtime, type WakeRequest, type DueInstance, type InstanceRef, type Scheduler } from '@cairn/core';
import { parseRunnerSettings, RUNNER_SETTING_KEYS, type LocalRunnerOptions } from './runner-options.js';

export interface LocalRunner<Env extends object = Record<string, unknown>> {
  readonly runtime: Runtime<Env>;
  /** Starts polling (the first poll, startup recovery, runs at once) and, by default, handles SIGTERM/SIGINT. */
  start(): Promise<void>;
  /** Stops taking work, waits for running replays, closes the runtime (and the store, by default). */
  stop(): Promise<void>;
  /** Replays this runner has in progress. */
  readonly active: number;
}

export function createLocalRunner<Env extends object = Record<string, unknown>>(options: LocalRunnerOptions<Env>): LocalRunner<Env> {
  const settings = parseRunnerSettings(options as Record<string, unknown>);
  const active = new Set<string>();
  /** Keys woken again while their replay ran: replay once more when it ends. */
  const again = new Map<string, InstanceRef>();
  /** Keys whose replay threw (a store failure): left alone until the time given. */
  const coolDown = new Map<string, { until: number; failures: number }>();
  let state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  let pollTimer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  /** Timers armed by the poll's look-ahead: key -> the wake-up time armed and its cancel. */
  const armed = new Map<string, { wakeAt: number; cancel: () => void }>();
  let backlog = false;
  let stopped: Promise<void> | undefined;

  const scheduler = createHorizonScheduler(
    (options as { clock?: Clock }).clock ?? systemClock,
    settings.wakeHorizonMs,
    (wake) => dispatch(wake),
  );
  let runtime: Runtime<Env>;
  if (options.runtime) runtime = options.runtime;
  else {
    const runtimeOptions = Object.fromEntries(Object.entries(options).filter(([key]) => !RUNNER_SETTING_KEYS.includes(key)));
    runtime = createRuntime<Env>({ ...(runtimeOptions as object), scheduler } as Parameters<typeof createRuntime<Env>>[0]);
  }
  const { store, clock } = runtime;
  const report = (error: unknown, ref: InstanceRef | null, operation: string) =>
    console.error(`[cairn] [sqlite runner] ${operation}${ref ? ` of ${ref.workflowName}/${ref.instanceId}` : ''} failed:`, error);

  const keyOf = (ref: InstanceRef) => `${ref.workflowName}\u0000${ref.instanceId}`;

  function dispatch(ref: InstanceRef): void {
    if (state !== 'running') return;
    const key = keyOf(ref);
    if (active.has(key)) {
      again.set(key, { workflowName: ref.workflowName, instanceId: ref.instanceId });
      return;
    }
    const cooling = coolDown.get(key);
    if (cooling && cooling.until > clock.now()) return;
    if (active.size >= settings.maxConcurrent) {
      backlog = true; // It is due on disk: a poll picks it up once there is room.
      return;
    }
    active.add(key);
    const target = { workflowName: ref.workflowName, instanceId: ref.instanceId };
    runtime
      .replay(target, { deadline: clock.now() + settings.sliceMs })
      .then(
        (result) => {
          coolDown.delete(key);
          // 'continue': the slice ended with work left; it is due now.
          if (result.outcome === 'continue') again.set(key, target);
        },
        (error: unknown) => {
          report(error, target, 'replay');
          const failures = (coolDown.get(key)?.failures ?? 0) + 1;
          coolDown.set(key, { until: clock.now() + Math.min(30_000, 100 * 2 ** failures), failures });
        },
      )
      .finally(() => {
        active.delete(key);
        const next = again.get(key);
        again.delete(key);
        if (next) dispatch(next);
        if (backlog) pollSoon(0);
      });
  }

  /** One tick: read a page of due instances and start those not already running here. */
  async function poll(): Promise<number> {
    const room = settings.maxConcurrent - active.size;
    backlog = false;
    if (room <= 0) {
      backlog = true;
      return 0;
    }
    const limit = Math.min(room, settings.batchSize);
    // Instances this runner is about to acquire are still due: read past them.
    const fetched = limit + active.size;
    const now = clock.now();
    const due = await store.listDueInstances({ now: now + settings.lookaheadMs, limit: fetched });
    let started = 0;
    for (const ref of due) {
      if (state !== 'running' || started >= limit) break;
      if (ref.wakeAt > now) {
        arm(ref);
        continue;
      }
      if (active.has(keyOf(ref))) continue;
      const before = active.size;
      dispatch(ref);
      if (active.size > before) started++;
    }
    if (due.length >= fetched || started >= limit) backlog = true;
    return started;
  }

  /** A wake-up due within the look-ahead: a timer delivers it exactly on time. */
  function arm(ref: DueInstance): void {
    const key = keyOf(ref);
    const current = armed.get(key);
    if (current?.wakeAt === ref.wakeAt) return;
    current?.cancel();
    const target = { workflowName: ref.workflowName, instanceId: ref.instanceId };
    const cancel = clock.setTimer(() => {
      armed.delete(key);
      dispatch(target);
    }, ref.wakeAt - clock.now());
    armed.set(key, { wakeAt: ref.wakeAt, cancel });
  }

  function pollSoon(delay: number): void {
    if (state !== 'running' || polling) return;
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = setTimeout(tick, delay);
  }

  function tick(): void {
    pollTimer = undefined;
    if (state !== 'running' || polling) return;
    polling = poll()
      .catch((error: unknown) => {
        report(error, null, 'poll');
        return 0;
      })
      .then((started) => {
        polling = undefined;
        // More is due and there is room: read the next page now rather than after a full interval.
        pollSoon(backlog && started > 0 && active.size < settings.maxConcurrent ? 0 : settings.pollIntervalMs);
      });
  }

  const onSignal = (signal: NodeJS.Signals) => {
    removeSignalHandlers();
    void stop().finally(() => process.kill(process.pid, signal));
  };
  const removeSignalHandlers = () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };

  function stop(): Promise<void> {
    if (state === 'idle') state = 'stopped';
    stopped ??= (async () => {
      state = 'stopping';
      removeSignalHandlers();
      if (pollTimer) clearTimeout(pollTimer);
      pollTimer = undefined;
      await polling;
      for (const { cancel } of armed.values()) cancel();
      armed.clear();
      await scheduler.close();
      // Waits for every replay in progress; each stops starting steps at its slice's end.
      await runtime.close();
      if (settings.closeStore) await store.close?.();
      state = 'stopped';
    })();
    return stopped;
  }

  return {
    runtime,
    get active() {
      return active.size;
    },
    async start() {
      if (state !== 'idle') throw new Error(`The runner is ${state}; create another to start again`);
      state = 'running';
      if (settings.handleSignals) {
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      }
      // Startup recovery: the first poll runs now (crashed and due instances), later ones page on.
      tick();
      await polling;
    },
    stop,
  };
}

/**
 * The runner's scheduler: wake-ups due within `horizonMs` become timers that call the runner; later ones
 * are already on disk (the engine writes `wakeAt` before scheduling) and the due-index poll finds them.
 */
function createHorizonScheduler(
  clock: Clock,
  horizonMs: number,
  deliver: (wake: WakeRequest) => void,
): Scheduler & { close(): Promise<void> } {
  const pending = new Map<string, () => void>();
  let closed = false;
  return {
    name: 'local-runner',
    async schedule(wake) {
      const delay = wake.wakeAt - clock.now();
      if (closed || delay > horizonMs) return;
      const key = `${wake.workflowName}\u0000${wake.instanceId}\u0000${wake.wakeSeq}`;
      if (pending.has(key)) return;
      const cancel = clock.setTimer(() => {
        pending.delete(key);
        deliver(wake);
      }, delay);
      pending.set(key, cancel);
    },
    async close() {
      closed = true;
      for (const cancel of pending.values()) cancel();
      pending.clear();
    },
  };
}
