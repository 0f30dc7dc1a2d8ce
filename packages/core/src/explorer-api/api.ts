// Cloudflare's local explorer API (what `wrangler dev` serves at /cdn-cgi/local/explorer/api, and what
// `wrangler workflows … --local` talks to), over a Cairn runtime: list workflows with instance counts, list and
// describe instances, create, pause, resume, terminate, restart, send events and delete, in Cloudflare's
// envelope and error codes. See the repository's notes on the observed API for every shape.

import { z } from 'zod';
import type { Workflow } from '../binding.js';
import { CairnError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { InstanceStatusSchema } from '../records.js';
import { explorerError, explorerResult, ExplorerProblem, EXPLORER_ENGINE_ERROR, EXPLORER_NOT_FOUND } from './envelope.js';
import { explorerInstanceDetails } from './instance-details.js';
import { instancePage, statusCounts } from './listing.js';
import { matchExplorerRoute, type ExplorerRoute } from './routes.js';
import { findExplorerWorkflow, type ExplorerWorkflow } from './workflows.js';
import type { RunningAttempt } from './running.js';

export const LOCAL_EXPLORER_BASE_PATH = '/cdn-cgi/local/explorer/api';

export interface LocalExplorerApiOptions {
  runtime: Pick<Runtime, 'workflow' | 'store' | 'clock'>;
  /** The workflows served (see `explorerWorkflowsOf`). */
  workflows: readonly ExplorerWorkflow[];
  /** @default '/cdn-cgi/local/explorer/api' */
  basePath?: string;
  /** Told of failures answered 500. */
  onError?: (error: unknown) => void;
  /** The attempts running now in this process (see `trackRunningAttempts`): instance details show them. */
  runningAttempts?: (ref: { workflowName: string; instanceId: string }) => readonly RunningAttempt[];
}

/** Answers requests below the base path; null for any other path (the caller serves it). */
export type LocalExplorerApi = (request: Request) => Promise<Response | null>;

const ListQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  per_page: z.coerce.number().int().min(1).max(1_000).default(25),
  status: InstanceStatusSchema.optional(),
});
const CreateBodySchema = z.object({ id: z.string().optional(), params: z.unknown().optional() }).loose();
const StatusBodySchema = z
  .object({
    action: z.enum(['pause', 'resume', 'restart', 'terminate']).optional(),
    status: z.enum(['pause', 'resume', 'restart', 'terminate']).optional(),
    from: z.object({ name: z.string().min(1), count: z.number().int().min(1).optional(), type: z.enum(['do', 'sleep', 'waitForEvent']).optional() }).optional(),
    rollback: z.boolean().optional(),
  })
  .refine((body) => body.action ?? body.status, "'action' (or 'status') must be one of: pause, resume, restart, terminate");
const DeleteBatchSchema = z.object({ instances: z.array(z.string()).min(1).max(100) });

export function createLocalExplorerApi(options: LocalExplorerApiOptions): LocalExplorerApi {
  const base = (options.basePath ?? LOCAL_EXPLORER_BASE_PATH).replace(/\/$/, '');
  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return null;
    const route = matchExplorerRoute(request.method, url.pathname.slice(base.length));
    if (!route) return explorerError(404, EXPLORER_NOT_FOUND, `No route for ${request.method} ${url.pathname}`);
    try {
      return await answer(options, route, request, url);
    } catch (error) {
      return failure(error, options.onError);
    }
  };
}

async function answer(options: LocalExplorerApiOptions, route: ExplorerRoute, request: Request, url: URL): Promise<Response> {
  if (route.op === 'listWorkflows') {
    const workflows = options.workflows.map((workflow) => ({ name: workflow.name, class_name: workflow.className, script_name: workflow.scriptName }));
    return explorerResult(workflows, { count: workflows.length });
  }
  const workflow = findExplorerWorkflow(options.workflows, route.workflow);
  if (!workflow) throw new ExplorerProblem(404, EXPLORER_NOT_FOUND, `Workflow '${route.workflow}' not found.`);
  const { store } = options.runtime;
  const binding = options.runtime.workflow(workflow.binding as never) as unknown as Workflow;
  switch (route.op) {
    case 'workflow':
      return explorerResult({
        name: workflow.name,
        class_name: workflow.className,
        script_name: workflow.scriptName,
        instances: await statusCounts(store, workflow.binding),
      });
    case 'listInstances':
      return listInstances(store, workflow.binding, url);
    case 'create': {
      const body = parse(CreateBodySchema, await jsonBody(request, {}), 'the instance to create: { id?, params? }');
      const instance = await binding.create({
        ...(body.id !== undefined ? { id: body.id } : {}),
        ...(body.params !== undefined ? { params: body.params } : {}),
      });
      return explorerResult({ id: instance.id });
    }
    case 'deleteBatch': {
      const body = parse(DeleteBatchSchema, await jsonBody(request, undefined), '{ instances: [1 to 100 instance ids] }');
      const result = await binding.deleteBatch(body.instances);
      return explorerResult({ deleted: result.deleted.map((id) => ({ id })), errors: result.errors });
    }
    case 'deleteWorkflow':
      return deleteAll(store, binding, workflow.binding);
    default:
      return instanceOp(options, binding, workflow, route, request);
  }
}

async function instanceOp(
  options: LocalExplorerApiOptions,
  binding: Workflow,
  workflow: ExplorerWorkflow,
  route: Extract<ExplorerRoute, { instanceId: string }>,
  request: Request,
): Promise<Response> {
  if (route.op === 'instance') {
    const journal = await options.runtime.store.loadJournal({ workflowName: workflow.binding, instanceId: route.instanceId });
    if (!journal) throw new ExplorerProblem(404, EXPLORER_NOT_FOUND, `Workflow instance '${route.instanceId}' not found.`);
    const ref = { workflowName: workflow.binding, instanceId: route.instanceId };
    return explorerResult(explorerInstanceDetails(journal, options.runtime.clock.now(), options.runningAttempts?.(ref)));
  }
  const handle = await binding.get(route.instanceId);
  if (route.op === 'deleteInstance') {
    await handle.delete();
    return explorerResult({ success: true });
  }
  if (route.op === 'sendEvent') {
    await handle.sendEvent({ type: route.eventType, payload: await jsonBody(request, undefined) });
    return explorerResult({ success: true });
  }
  const body = parse(StatusBodySchema, await jsonBody(request, undefined), '{ action: pause | resume | restart | terminate, from?, rollback? }');
  const action = (body.action ?? body.status)!;
  if (body.rollback !== undefined && action !== 'terminate')
    throw new ExplorerProblem(400, EXPLORER_ENGINE_ERROR, "'rollback' is only valid when terminating.");
  if (action === 'pause') await handle.pause();
  else if (action === 'resume') await handle.resume();
  else if (action === 'restart') await handle.restart(body.from ? { from: body.from } : undefined);
  else await handle.terminate(body.rollback ? { rollback: true } : undefined);
  const { status } = await handle.status();
  return explorerResult({ status, timestamp: new Date(options.runtime.clock.now()).toISOString() });
}

async function listInstances(store: LocalExplorerApiOptions['runtime']['store'], workflowName: string, url: URL): Promise<Response> {
  const query = parse(ListQuerySchema, Object.fromEntries(url.searchParams), 'page (from 1), per_page (1 to 1000) and status (an instance status)');
  const [counts, instances] = await Promise.all([
    statusCounts(store, workflowName),
    instancePage(store, { workflowName, page: query.page, perPage: query.per_page, ...(query.status ? { status: query.status } : {}) }),
  ]);
  const total = query.status ? (counts[query.status] ?? 0) : Object.values(counts).reduce((sum, n) => sum + n, 0);
  const listed = instances.map((instance) => ({ id: instance.instanceId, status: instance.status, created_on: new Date(instance.createdAt).toISOString() }));
  const nonZero = Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
  return explorerResult(listed, {
    page: query.page,
    per_page: query.per_page,
    total_count: total,
    total_pages: Math.max(1, Math.ceil(total / query.per_page)),
    status_counts: nonZero,
  });
}

/** Deletes every instance of the workflow, a page at a time. */
async function deleteAll(store: LocalExplorerApiOptions['runtime']['store'], binding: Workflow, workflowName: string): Promise<Response> {
  for (;;) {
    const page = await store.listInstances({ workflowName, limit: 100 });
    if (page.instances.length === 0) break;
    await binding.deleteBatch(page.instances.map((instance) => instance.instanceId));
  }
  return explorerResult({ status: 'ok', success: true });
}

async function jsonBody(request: Request, empty: unknown): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '') return empty;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ExplorerProblem(400, EXPLORER_ENGINE_ERROR, 'The request body is not valid JSON');
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, expected: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ExplorerProblem(400, EXPLORER_ENGINE_ERROR, `Invalid request: expected ${expected}`);
  return parsed.data;
}

function failure(error: unknown, onError: ((error: unknown) => void) | undefined): Response {
  if (error instanceof ExplorerProblem) return explorerError(error.status, error.code, error.message);
  if (CairnError.is(error)) {
    if (error.code === 'instance_not_found') {
      const id = (error as CairnError & { instanceId?: string }).instanceId ?? '';
      return explorerError(404, EXPLORER_NOT_FOUND, `Workflow instance '${id}' not found.`);
    }
    const status = error.code === 'invalid_input' ? 400 : error.code === 'instance_already_exists' ? 409 : 500;
    return explorerError(status, EXPLORER_ENGINE_ERROR, error.message);
  }
  onError?.(error);
  return explorerError(500, EXPLORER_ENGINE_ERROR, error instanceof Error ? error.message : String(error));
}
