// One Google Cloud stand-in stack for a test file: the OIDC signer, the Cloud Tasks emulator (with a
// queue), and a Cloud Run server on loopback built by `build` (the real handler, the real clients).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Client } from 'google-auth-library';
import type { CloudTasksClient } from '@google-cloud/tasks';
import type { Runtime } from '@cairn/core';
import { signRequest, type CloudRunAuthOptions, type CloudRunHandler } from '@cairn/host-cloud-run';
import { startCloudTasksEmulator, type CloudTasksEmulator, type CloudTasksEmulatorOptions } from './cloud-tasks-emulator.js';
import { createOidcSigner, type OidcSigner } from './oidc-signer.js';
import { localCloudTasksClient } from './clients.js';

export const QUEUE = 'projects/demo-cairn/locations/us-central1/queues/cairn-wakes';
export const TASKS_SA = 'cairn-tasks@demo-cairn.iam.gserviceaccount.com';
export const SCHEDULER_SA = 'cairn-sweeper@demo-cairn.iam.gserviceaccount.com';
export const HMAC_SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

export interface BuildContext {
  serviceUrl: string;
  tasks: CloudTasksClient;
  auth: CloudRunAuthOptions;
}

export interface GcpStack {
  signer: OidcSigner;
  emulator: CloudTasksEmulator;
  runtime: Runtime<any>;
  handler: CloudRunHandler;
  serviceUrl: string;
  /** An HMAC-signed request to the service (a client calling the REST API). */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** A request with a Google-signed ID token (as Cloud Tasks or Cloud Scheduler send). */
  callWithToken(method: string, path: string, body?: unknown, email?: string): Promise<{ status: number; body: any }>;
  /** Polls the REST API until the instance has `status`. */
  waitForStatus(workflow: string, id: string, status: string, timeoutMs?: number): Promise<any>;
  stop(): Promise<void>;
}

export async function startGcpStack(
  build: (context: BuildContext) => { runtime: Runtime<any>; handler: CloudRunHandler },
  emulatorOptions: Omit<CloudTasksEmulatorOptions, 'signer'> = {},
): Promise<GcpStack> {
  const signer = createOidcSigner();
  const emulator = await startCloudTasksEmulator({ minBackoffMs: 100, maxBackoffMs: 1000, ...emulatorOptions, signer });
  emulator.createQueue(QUEUE);
  let listener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => listener!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth: CloudRunAuthOptions = {
    oidc: { client: new OAuth2Client(), audience: serviceUrl, certs: () => signer.certs(), serviceAccounts: [TASKS_SA, SCHEDULER_SA] },
    hmac: { secrets: [HMAC_SECRET] },
  };
  const { runtime, handler } = build({ serviceUrl, tasks: localCloudTasksClient(emulator), auth });
  listener = handler.listener;

  const send = async (method: string, path: string, headers: Record<string, string>, text: string | undefined) => {
    const response = await fetch(`${serviceUrl}${path}`, {
      method,
      headers: { ...headers, ...(text ? { 'content-type': 'application/json' } : {}) },
      body: text,
    });
    const raw = await response.text();
    return { status: response.status, body: raw ? JSON.parse(raw) : undefined };
  };
  const call = (method: string, path: string, body?: unknown) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    return send(method, path, signRequest({ secret: HMAC_SECRET, method, url: path, body: text }), text);
  };
  const callWithToken = (method: string, path: string, body?: unknown, email = SCHEDULER_SA) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    return send(method, path, { authorization: `Bearer ${signer.sign({ aud: serviceUrl, email, email_verified: true })}` }, text);
  };
  const waitForStatus = async (workflow: string, id: string, status: string, timeoutMs = 15_000) => {
    const until = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      const response = await call('GET', `/workflows/${workflow}/instances/${id}`);
      last = response.body;
      if (response.status === 200 && response.body.status === status) return response.body;
      if (Date.now() > until) throw new Error(`instance ${id} did not reach ${status}; last: ${JSON.stringify(last)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return {
    signer,
    emulator,
    runtime,
    handler,
    serviceUrl,
    call,
    callWithToken,
    waitForStatus,
    async stop() {
      await handler.shutdown();
      await emulator.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
