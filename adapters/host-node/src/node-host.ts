// createNodeHost: a long-lived Node process that runs workflows on any store (memory, SQLite, DynamoDB,
// Firestore...). It composes core's parts: in-process timers for near wake-ups, a dispatcher that replays at
// most `maxConcurrent` at once in slices, and a poller of the due index (startup recovery, wake-ups scheduled by
// other processes, instances whose runner died). stop() (also on SIGTERM/SIGINT) stops taking work, lets running
// replays record and suspend, and closes. Optionally it serves core's HTTP surface (see serve.ts).

import {
  createDispatcher,
  createRuntime,
  createTimerScheduler,
  parseOptions,
  systemClock,
  type Clock,
  type Runtime,
  type Scheduler,
  type RuntimeOptions,
  type WorkflowRegistrations,
} from '@cairn/core';
import { NODE_HOST_MAX_IN_PROCESS_WAIT_MS, NODE_HOST_SETTING_KEYS, NodeHostSettingsSchema, type NodeHostOptions } from './options.js';
import { joinFleet } from './fleet.js';
import { createPoller } from './poller.js';
import { onStopSignals } from './signals.js';

export interface NodeHost<Env extends object = Record<string, unknown>, W extends WorkflowRegistrations = any> {
  /** Typed from the `workflows` map: `host.runtime.workflow('ORDER')`. */
  readonly runtime: Runtime<Env, W>;
  /** Starts polling (the first poll, startup recovery, runs at once) and, by default, handles SIGTERM/SIGINT. */
  start(): Promise<void>;
  /** Stops taking work, waits for running replays, closes the runtime (and the store, by default). */
  stop(): Promise<void>;
  /** Replays this host has in progress. */
  readonly active: number;
}

export function createNodeHost<Env extends object = Record<string, unknown>, const W extends WorkflowRegistrations = any>(
  options: NodeHostOptions<Env, W>,
): NodeHost<Env, W> {
  const owned = Object.fromEntries(NODE_HOST_SETTING_KEYS.map((key) => [key, (options as Record<string, unknown>)[key]]));
  const settings = parseOptions(NodeHostSettingsSchema, owned, { adapter: 'node', factory: 'createNodeHost' });
  const clock: Clock = (options as { clock?: Clock }).clock ?? options.runtime?.clock ?? systemClock;
  // Near wake-ups as exact timers; later ones are in the store only and the poller finds them.
  const timers = createTimerScheduler({ clock, horizonMs: settings.wakeHorizonMs });
  let runtime: Runtime<Env, W>;
  // A fleet scheduler: given, or the given runtime's own.
  const fleet = settings.scheduler ?? (options.runtime?.scheduler.subscribe ? options.runtime.scheduler : undefined);
  if (options.runtime) runtime = options.runtime;
  else {
    const runtimeOptions: Record<string, unknown> = Object.fromEntries(Object.entries(options).filter(([key]) => !NODE_HOST_SETTING_KEYS.includes(key)));
    // A long-lived process: run() goes on in place across waits up to a minute (as on Cloudflare), not from the top.
    runtimeOptions.maxInProcessWaitMs ??= NODE_HOST_MAX_IN_PROCESS_WAIT_MS;
    // No `attach`: the timers deliver to this host's dispatcher, not to the runtime's own.
    // Its own wake-ups stay here (timers, the due index); changes are announced to the fleet, if any.
    const scheduler: Scheduler = { name: 'node-host', schedule: (wake) => timers.schedule(wake), close: () => timers.close!() };
    if (fleet?.announce) scheduler.announce = (ref, change) => fleet.announce!(ref, change);
    runtime = createRuntime({ ...runtimeOptions, scheduler } as RuntimeOptions<Env, W>) as Runtime<Env, W>;
  }
  const report = (error: unknown, what: string) => console.error(`[cairn] [node host] ${what} failed:`, error);
  const dispatcher = createDispatcher({
    replay: (ref, replayOptions) => runtime.replay(ref, replayOptions),
    clock,
    maxConcurrent: settings.maxConcurrent,
    sliceMs: settings.sliceMs,
    onError: (error, ref) => report(error, `replay of ${ref.workflowName}/${ref.instanceId}`),
    onRoom: () => poller.soon(),
  });
  timers.attach!((wake) => dispatcher.deliver(wake));
  const poller = createPoller({ store: runtime.store, clock, dispatcher, timers, onError: (error) => report(error, 'poll') }, settings);
  const membership = fleet ? joinFleet({ fleet, runtime, clock, dispatcher, poller, onError: report }, settings) : undefined;

  let state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  let stopped: Promise<void> | undefined;
  let removeSignals = () => {};

  function stop(): Promise<void> {
    if (state === 'idle') state = 'stopped';
    stopped ??= (async () => {
      state = 'stopping';
      removeSignals();
      await membership?.stop();
      await poller.stop();
      dispatcher.close();
      await timers.close!();
      // Waits for every replay in progress; each stops starting steps at its slice's end.
      await runtime.close();
      if (fleet !== runtime.scheduler) await fleet?.close?.();
      if (settings.closeStore) await runtime.store.close?.();
      state = 'stopped';
    })();
    return stopped;
  }

  return {
    runtime,
    get active() {
      return dispatcher.active;
    },
    async start() {
      if (state !== 'idle') throw new Error(`[cairn] [node host] the host is ${state}; create another to start again`);
      state = 'running';
      if (settings.handleSignals) removeSignals = onStopSignals(stop);
      // Listening before the first poll: nothing published in between is missed.
      await membership?.start();
      // Startup recovery: the first poll runs now (crashed and due instances), later ones page on.
      await poller.start();
    },
    stop,
  };
}
