// The dispatcher: one dynamic workflow whose runs load each tenant's own code (pinned to the version that started
// the instance), and the REST routes tenants use to upload code and run it. Both hosts (src/node.ts, and
// src/cloud-run.ts) serve these routes; the engine, the store and the host are theirs.

import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { CairnError, type Runtime, type WorkflowRegistration } from '@cairn/core';
import { createDynamicWorkflowEntrypoint, createTenantLoader, wrapWorkflowBinding, type IsolationOptions } from '@cairn/dynamic';
import type { TenantCodeStore } from './code-store.ts';

/** The dispatcher's workflow registration: `workflows: { TENANT_FLOWS: tenantWorkflow(codeStore) }`. */
export function tenantWorkflow(codes: TenantCodeStore, isolation?: IsolationOptions): WorkflowRegistration {
  const loader = createTenantLoader({
    source: ({ tenant, version }) => codes.source(tenant, version),
    currentVersion: async (tenant) => {
      const current = await codes.current(tenant);
      if (!current) throw new Error(`tenant "${tenant}" has uploaded no code`);
      return current;
    },
    ...(isolation ? { isolation } : {}),
  });
  const workflow = createDynamicWorkflowEntrypoint(async (context) => loader.loadRunner(context));
  return { workflow, currentVersion: loader.currentVersion };
}

export const WORKFLOW = 'TENANT_FLOWS';

const TenantSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and "-", at most 63');
const CreateSchema = z.object({ id: z.string().optional(), params: z.unknown().optional() }).strict();
const EventSchema = z.object({ type: z.string().min(1), payload: z.unknown().optional() }).strict();
const MAX_SOURCE_BYTES = 512 * 1024;

const json = (status: number, body: unknown) => Response.json(body, { status });
const problem = (status: number, code: string, message: string) => json(status, { error: { code, message } });

export interface TenantRoutesOptions {
  /** Required as `Authorization: Bearer <token>` when set (always off loopback). */
  token?: string;
}

/**
 * The tenants' REST API, under /tenants/:tenant:
 *   PUT  /code                      body: the module's source text -> { version }
 *   POST /instances                 body: { id?, params? }          -> { id, version }
 *   GET  /instances/:id                                             -> the instance's status
 *   POST /instances/:id/events      body: { type, payload? }
 * Returns undefined for any other path (the host's own routes).
 */
export function tenantRoutes(runtime: Runtime, codes: TenantCodeStore, options: TenantRoutesOptions = {}) {
  const expected = options.token === undefined ? undefined : Buffer.from(`Bearer ${options.token}`);
  const authorized = (request: Request) => {
    if (!expected) return true;
    const given = Buffer.from(request.headers.get('authorization') ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  return async (request: Request): Promise<Response | undefined> => {
    const match = /^\/tenants\/([^/]+)(\/code|\/instances(?:\/([^/]+)(\/events)?)?)$/.exec(new URL(request.url).pathname);
    if (!match) return undefined;
    if (!authorized(request)) return problem(401, 'unauthorized', 'Send Authorization: Bearer <token>');
    const tenant = TenantSchema.safeParse(decodeURIComponent(match[1]!));
    if (!tenant.success) return problem(400, 'invalid_input', `tenant: ${tenant.error.issues[0]?.message}`);
    try {
      return await route(request, runtime, codes, tenant.data, match[2]!, match[3] && decodeURIComponent(match[3]), Boolean(match[4]));
    } catch (error) {
      if (CairnError.is(error, 'instance_not_found')) return problem(404, error.code, error.message);
      if (CairnError.is(error)) return problem(error.code === 'instance_already_exists' ? 409 : 400, error.code, error.message);
      if (error instanceof SyntaxError) return problem(400, 'invalid_input', `the body is not JSON: ${error.message}`);
      throw error;
    }
  };
}

async function route(request: Request, runtime: Runtime, codes: TenantCodeStore, tenant: string, path: string, id: string | undefined, events: boolean) {
  const binding = wrapWorkflowBinding({ tenantId: tenant }, { runtime, bindingName: WORKFLOW });
  const method = request.method;
  if (path === '/code' && method === 'PUT') {
    const source = await request.text();
    if (Buffer.byteLength(source) > MAX_SOURCE_BYTES) return problem(413, 'payload_too_large', `the module is over ${MAX_SOURCE_BYTES} bytes`);
    if (!/\bclass\b/.test(source)) return problem(400, 'invalid_input', 'the body is a JavaScript module exporting a WorkflowEntrypoint class');
    return json(201, { version: await codes.upload(tenant, source) });
  }
  if (id === undefined && method === 'POST') {
    if (!(await codes.current(tenant))) return problem(409, 'no_code', `tenant "${tenant}" has uploaded no code: PUT /tenants/${tenant}/code first`);
    const body = CreateSchema.safeParse(await request.json());
    if (!body.success) return problem(400, 'invalid_input', `body: ${body.error.issues[0]?.message}`);
    const instance = await binding.create(body.data);
    return json(201, { id: instance.id, version: (await instance.status()).version });
  }
  if (id !== undefined && !events && method === 'GET') return json(200, await (await binding.get(id)).status());
  if (id !== undefined && events && method === 'POST') {
    const body = EventSchema.safeParse(await request.json());
    if (!body.success) return problem(400, 'invalid_input', `body: ${body.error.issues[0]?.message}`);
    await (await binding.get(id)).sendEvent({ type: body.data.type, payload: body.data.payload });
    return json(202, { sent: body.data.type });
  }
  return problem(405, 'method_not_allowed', `${method} is not served on ${path}`);
}
