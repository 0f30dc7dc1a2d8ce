// The dispatcher of Cloudflare's README, ported: its imports changed to @cairn/dynamic, Cloudflare's Worker Loader
// replaced by createTenantLoader (tenant code as module text, as fetched from storage).

import { createRuntime, type RuntimeOptions, type WorkflowStore } from '@cairn/core';
import { createDynamicWorkflowEntrypoint, createTenantLoader, wrapWorkflowBinding, type IsolationOptions, type TenantCodeRef } from '@cairn/dynamic';

/** Tenant code exactly as on Cloudflare: it imports from 'cloudflare:workers' and does not know it is dispatched. */
export const greeter = (greeting: string) => `
import { WorkflowEntrypoint } from 'cloudflare:workers';

export class TenantWorkflow extends WorkflowEntrypoint {
  async run(event, step) {
    const line = await step.do('greet', async () => \`${greeting}, \${event.payload.name}!\`);
    const approval = event.payload.wait ? await step.waitForEvent('approve', { type: 'approve', timeout: '1 hour' }) : null;
    return { line, payload: event.payload, approved: approval?.payload ?? null };
  }
}
`;

export interface DispatcherSetup {
  store: WorkflowStore;
  /** Tenant code by tenant, then version. */
  code: Record<string, Record<string, string>>;
  /** The version new instances of a tenant start on. */
  current: Record<string, string>;
  options?: Partial<RuntimeOptions>;
  isolation?: IsolationOptions;
}

export function startDispatcher(setup: DispatcherSetup) {
  const loads: TenantCodeRef[] = [];
  const loader = createTenantLoader({
    source: (ref) => {
      loads.push(ref);
      return setup.code[ref.tenant]?.[ref.version];
    },
    currentVersion: (tenant) => setup.current[tenant]!,
    exportName: 'TenantWorkflow',
    ...(setup.isolation ? { isolation: setup.isolation } : {}),
  });
  // Register this as the dispatcher's workflow (Cloudflare: `class_name` in wrangler.jsonc).
  const DynamicWorkflow = createDynamicWorkflowEntrypoint(async ({ env, ctx, metadata, version }) => loader.loadRunner({ env, ctx, metadata, version }));
  const runtime = createRuntime({
    store: setup.store,
    workflows: { WORKFLOWS: { workflow: DynamicWorkflow, name: 'dynamic-workflow', currentVersion: loader.currentVersion } },
    maxInProcessWaitMs: 0,
    ...setup.options,
  });
  // The binding each tenant's code is given: every create() is tagged with { tenantId }.
  const bindingFor = (tenantId: string) => wrapWorkflowBinding({ tenantId }, { runtime });
  return { runtime, loader, loads, bindingFor };
}
