// The same dispatcher on Cloud Run: the tenant routes first, then Cairn's own (the wake-ups Cloud Tasks delivers,
// the sweeper, the REST and explorer APIs, behind the service's OIDC or HMAC auth). In production: the Firestore
// journal (@cairn/store-firestore), Cloud Tasks wake-ups (@cairn/scheduler-cloud-tasks), tenant code in Firestore
// (createFirestoreCodeStore); see examples/cloud-run for the server around it.

import { createRuntime, type Scheduler, type WorkflowStore } from '@cairn/core';
import { createCloudRunHandler, type CloudRunAuthOptions } from '@cairn/host-cloud-run';
import type { IsolationOptions } from '@cairn/dynamic';
import type { TenantCodeStore } from './code-store.ts';
import { tenantRoutes, tenantWorkflow, WORKFLOW } from './platform.ts';

export interface TenantServiceOptions {
  store: WorkflowStore;
  /** Cloud Tasks in production; omitted, wake-ups are in-process timers (local runs). */
  scheduler?: Scheduler;
  codes: TenantCodeStore;
  /** Cairn's routes' auth (Cloud Tasks' ID tokens, request signatures). */
  auth: CloudRunAuthOptions;
  /** The tenant API's bearer token (required: a Cloud Run service is reachable from outside). */
  token: string;
  isolation?: IsolationOptions;
}

export function createTenantService(options: TenantServiceOptions) {
  const runtime = createRuntime({
    store: options.store,
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    workflows: { [WORKFLOW]: tenantWorkflow(options.codes, options.isolation) },
    maxInProcessWaitMs: 1000,
  });
  const cairn = createCloudRunHandler({ runtime, auth: options.auth });
  const routes = tenantRoutes(runtime, options.codes, { token: options.token });
  return {
    runtime,
    fetch: async (request: Request): Promise<Response> => (await routes(request)) ?? cairn.fetch(request),
    shutdown: () => cairn.shutdown(),
  };
}
