// The order service on Cloud Run. Configuration comes from the environment (see README.md):
//
//   PORT                          set by Cloud Run (default 8080)
//   CAIRN_SERVICE_URL             this service's URL: the Cloud Tasks target and the ID tokens' audience
//   CAIRN_QUEUE                   projects/P/locations/L/queues/Q
//   CAIRN_TASKS_SERVICE_ACCOUNT   the service account Cloud Tasks signs ID tokens as
//   CAIRN_SCHEDULER_SERVICE_ACCOUNT  the one Cloud Scheduler's sweeper job uses (default: the same)
//   CAIRN_HMAC_SECRET             optional: accept shared-secret signed requests (at least 32 characters)
//   CAIRN_REQUEST_TIMEOUT_MS      the service's request timeout (default 300000, as `gcloud run deploy --timeout`)
//   CAIRN_STORE                   firestore (default) | memory (local runs only)
//   CAIRN_FIRESTORE_COLLECTION    default cairn-workflows
// Local stand-ins only (scripts/local.ts sets them):
//   CLOUD_TASKS_EMULATOR_HOST     host:port of a Cloud Tasks REST endpoint over plain http
//   CAIRN_OIDC_CERTS_FILE         JSON { kid: PEM } to verify ID tokens with instead of Google's certs
//   HOST                          interface to bind (default 0.0.0.0)

import { readFileSync } from 'node:fs';
import { CloudTasksClient } from '@google-cloud/tasks';
import { OAuth2Client } from 'google-auth-library';
import { createMemoryStore, type WorkflowStore } from '@cairn/core';
import { serve, type CloudRunAuthOptions } from '@cairn/host-cloud-run';
import { createOrderService } from './src/app.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`[orders] missing environment variable ${name} (see README.md)`);
    process.exit(2);
  }
  return value;
}

const serviceUrl = required('CAIRN_SERVICE_URL').replace(/\/$/, '');
const tasksServiceAccount = required('CAIRN_TASKS_SERVICE_ACCOUNT');
const requestTimeoutMs = Number(process.env.CAIRN_REQUEST_TIMEOUT_MS ?? 300_000);

async function createStore(): Promise<WorkflowStore> {
  if (process.env.CAIRN_STORE === 'memory') return createMemoryStore();
  // Loaded only when used, so local memory-store runs need no Firestore.
  const [{ Firestore }, { createFirestoreStore }] = await Promise.all([import('@google-cloud/firestore'), import('@cairn/store-firestore')]);
  return createFirestoreStore({ firestore: new Firestore(), collection: process.env.CAIRN_FIRESTORE_COLLECTION || undefined });
}

function createTasksClient(): CloudTasksClient {
  const emulator = process.env.CLOUD_TASKS_EMULATOR_HOST;
  if (!emulator) return new CloudTasksClient();
  const [host, port] = emulator.split(':');
  return new CloudTasksClient({
    fallback: true,
    apiEndpoint: host,
    port: Number(port),
    protocol: 'http',
    authClient: new OAuth2Client({ credentials: { access_token: 'local-stand-in' } }),
  });
}

const certsFile = process.env.CAIRN_OIDC_CERTS_FILE;
const certs = certsFile ? (JSON.parse(readFileSync(certsFile, 'utf8')) as Record<string, string>) : undefined;
const auth: CloudRunAuthOptions = {
  oidc: {
    client: new OAuth2Client(),
    audience: serviceUrl,
    serviceAccounts: [tasksServiceAccount, process.env.CAIRN_SCHEDULER_SERVICE_ACCOUNT || tasksServiceAccount],
    ...(certs ? { certs: () => certs } : {}),
  },
  ...(process.env.CAIRN_HMAC_SECRET ? { hmac: { secrets: [process.env.CAIRN_HMAC_SECRET] } } : {}),
};

const { handler } = createOrderService({
  store: await createStore(),
  tasks: createTasksClient(),
  queue: required('CAIRN_QUEUE'),
  serviceUrl,
  tasksServiceAccount,
  auth,
  requestTimeoutMs,
});

const served = await serve({ handler, host: process.env.HOST || '0.0.0.0' });
console.log(`[orders] listening on port ${served.port}`);
