// createPostgresScheduler: the wake-up port for a fleet of hosts on one Postgres. `schedule` and `announce` are one
// NOTIFY each (pg_notify on the channel); the Node hosts of the fleet subscribe (one LISTEN connection each). A
// host receiving a wake-up claims the instance when it is due (the store's claimDueInstances: FOR UPDATE SKIP
// LOCKED), so one host replays it; a change announced (an event sent) reaches the replay holding the instance.
// NOTIFY is fire-and-forget: a host not listening at the moment misses it, and the due index (each host's poll)
// is the safety net. Give it to client processes as the runtime's scheduler, and to hosts as `scheduler`.

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { parseOptions, type InstanceChange, type InstanceRef, type Scheduler, type WakeRequest, type WakeSubscriber } from '@cairn/core';
import { Listener } from './listener.js';
import { IdentifierSchema, PoolSchema } from './options.js';
import { decodeMessage, encodeChange, encodeWake } from './scheduler-messages.js';
import { Transport, type Statement } from './transport.js';

export const PostgresSchedulerOptionsSchema = z.object({
  /** A `pg` Pool (the store's may be shared). Each subscription holds one of its connections for LISTEN. */
  pool: PoolSchema,
  /** The NOTIFY channel; every process of one fleet uses the same. @default 'cairn_wakeups' */
  channel: IdentifierSchema.default('cairn_wakeups'),
  /** How often the LISTEN connection is checked (a half-open connection shows no error until used). @default 10_000 */
  heartbeatMs: z.number().int().min(100).default(10_000),
  /** Failures nobody awaits (a LISTEN connection lost and replaced, a message that does not parse). @default console.warn */
  onError: z.custom<(error: unknown) => void>((value) => typeof value === 'function', 'a function').optional(),
});

export type PostgresSchedulerOptions = z.input<typeof PostgresSchedulerOptionsSchema>;

export interface PostgresScheduler extends Scheduler {
  readonly name: 'postgres';
  readonly channel: string;
  announce(ref: InstanceRef, change: InstanceChange): Promise<void>;
  subscribe(subscriber: WakeSubscriber): Promise<{ stop(): Promise<void> }>;
}

export function createPostgresScheduler(options: PostgresSchedulerOptions): PostgresScheduler {
  const settings = parseOptions(PostgresSchedulerOptionsSchema, options, { adapter: 'postgres', factory: 'createPostgresScheduler' });
  const { pool, channel, heartbeatMs } = settings;
  const onError = settings.onError ?? ((error: unknown) => console.warn('[cairn] [postgres scheduler]', error));
  // Each scheduler object is one sender: its own messages come back on its LISTEN and are dropped.
  const origin = randomUUID();
  const tx = new Transport(pool, channel, 3);
  const notify: Statement = { name: 'cairn_notify', text: 'SELECT pg_notify($1, $2)' };
  const listeners = new Set<Listener>();
  const publish = (operation: string, payload: string) => tx.query(operation, notify, [channel, payload]).then(() => undefined);

  return {
    name: 'postgres',
    channel,
    schedule: (wake: Readonly<WakeRequest>) => publish('schedule', encodeWake(origin, wake)),
    announce: (ref, change) => publish('announce', encodeChange(origin, ref, change)),
    async subscribe(subscriber) {
      const listener = new Listener(pool, channel, heartbeatMs, {
        message(payload) {
          const message = decodeMessage(payload);
          if (!message) return onError(new Error(`[cairn] [postgres scheduler] a message on "${channel}" that is not Cairn's was dropped`));
          if (message.origin === origin) return;
          if (message.kind === 'wake') subscriber.wake(message.wake);
          else subscriber.change(message.ref, message.change);
        },
        resumed: () => subscriber.resumed(),
        error: onError,
      });
      await listener.start();
      listeners.add(listener);
      return {
        stop: async () => {
          listeners.delete(listener);
          await listener.stop();
        },
      };
    },
    async close() {
      await Promise.all([...listeners].map((listener) => listener.stop()));
      listeners.clear();
      tx.closed = true;
    },
  };
}
