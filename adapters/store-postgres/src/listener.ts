// One LISTEN connection, held from the pool for as long as the subscription lasts. A connection lost (an error,
// the server ending it, a heartbeat that fails: a half-open connection shows no error until written to) is
// replaced with backoff, and `resumed` tells the host that what was published meanwhile is lost (it polls).

import type { PoolClient } from 'pg';
import { AdapterError, backoffDelayMs } from '@cairn/core';
import type { PostgresPool } from './options.js';
import { messageOf } from './transport.js';

export interface ListenerHooks {
  message(payload: string | undefined): void;
  resumed(): void;
  error(error: unknown): void;
}

export class Listener {
  private client: PoolClient | undefined;
  private stopped = false;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly pool: PostgresPool,
    private readonly channel: string,
    private readonly heartbeatMs: number,
    private readonly hooks: ListenerHooks,
  ) {}

  /** Listens; a first connection that fails is an error (the host does not start deaf). */
  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (error) {
      throw new AdapterError('postgres', 'subscribe', `cannot LISTEN on "${this.channel}": ${messageOf(error)}`, { cause: error, option: 'pool' });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await client.query(`UNLISTEN ${this.channel}`).catch(() => undefined);
    client.release();
  }

  private async connect(): Promise<void> {
    const client = await this.pool.connect();
    // A client checked out of the pool has no error listener of the pool's: without ours an error would throw.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the LISTEN connection ended')));
    client.on('notification', (notification) => {
      if (notification.channel === this.channel) this.hooks.message(notification.payload);
    });
    try {
      await client.query(`LISTEN ${this.channel}`);
    } catch (error) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
    if (this.stopped) {
      client.release();
      return;
    }
    this.client = client;
    this.failures = 0;
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((error: unknown) => this.lost(client, error));
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  private lost(client: PoolClient, error: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    clearInterval(this.heartbeat);
    // Destroyed, not returned to the pool.
    client.release(error instanceof Error ? error : true);
    if (this.stopped) return;
    this.hooks.error(new AdapterError('postgres', 'subscribe', `the LISTEN connection was lost: ${messageOf(error)}; reconnecting`, { cause: error }));
    this.reconnect();
  }

  private reconnect(): void {
    const delay = backoffDelayMs({ baseMs: 100, maxMs: 5_000, jitter: 'spread' }, ++this.failures);
    this.retryTimer = setTimeout(() => {
      this.connect().then(
        () => {
          if (!this.stopped) this.hooks.resumed();
        },
        (error: unknown) => {
          if (this.stopped) return;
          this.hooks.error(new AdapterError('postgres', 'subscribe', `cannot LISTEN again: ${messageOf(error)}`, { cause: error }));
          this.reconnect();
        },
      );
    }, delay);
    this.retryTimer.unref();
  }
}
