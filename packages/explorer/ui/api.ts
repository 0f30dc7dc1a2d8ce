// The explorer's data: Cloudflare's local explorer API, served beside this page (same origin), in its
// envelope; a failure becomes an ApiError with the first error's message.

export const API_BASE = new URL('cdn-cgi/local/explorer/api', new URL('./', document.baseURI)).pathname;

export interface WorkflowSummary {
  name: string;
  class_name: string;
  script_name: string;
}

export interface WorkflowDetails extends WorkflowSummary {
  instances: Record<string, number>;
}

export interface InstanceRow {
  id: string;
  status: string;
  created_on: string;
}

export interface ResultInfo {
  page: number;
  per_page: number;
  total_count: number;
  total_pages: number;
  status_counts: Record<string, number>;
}

export interface ErrorInfo {
  name: string;
  message: string;
}

export interface Attempt {
  start: string | null;
  end: string | null;
  success: boolean | null;
  error: ErrorInfo | null;
}

export type Step =
  | {
      type: 'step';
      name: string;
      start: string;
      end: string | null;
      success: boolean | null;
      output?: unknown;
      attempts: Attempt[];
      config: { retries: { limit: number; delay: number | string; backoff: string }; timeout: number | string };
    }
  | { type: 'sleep'; name: string; start: string; end: string | null; finished: boolean }
  | {
      type: 'waitForEvent';
      name: string;
      start: string;
      end: string | null;
      finished: boolean;
      event_type?: string | null;
      error: ErrorInfo | null;
      output: { type: string; payload: unknown; timestamp: string } | null;
    }
  | { type: 'rollback'; name: string; start: string; end: string | null; success: boolean | null; attempts: Attempt[] };

export interface InstanceDetails {
  status: string;
  params: unknown;
  queued: string;
  start: string | null;
  end: string | null;
  output: unknown;
  error: ErrorInfo | null;
  steps: Step[];
  step_count: number;
  /** The code version the instance is pinned to, when its workflow has versions. */
  version?: string;
  events?: Array<{ type: string; timestamp: string; payload: unknown }>;
  rollbacks?: Step[];
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function call<T>(path: string, init?: RequestInit): Promise<{ result: T; result_info?: ResultInfo }> {
  const response = await fetch(`${API_BASE}${path}`, init);
  const body = (await response.json().catch(() => null)) as { success?: boolean; result: T; result_info?: ResultInfo; errors?: ErrorInfo[] } | null;
  if (!response.ok || !body?.success) throw new ApiError(body?.errors?.[0]?.message ?? `HTTP ${response.status}`, response.status);
  return body;
}

const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const path = (workflow: string, id?: string) => `/workflows/${encodeURIComponent(workflow)}${id === undefined ? '' : `/instances/${encodeURIComponent(id)}`}`;

export const api = {
  workflows: async () => (await call<WorkflowSummary[]>('/workflows')).result,
  workflow: async (name: string) => (await call<WorkflowDetails>(path(name))).result,
  async instances(name: string, query: { page: number; perPage: number; status?: string }) {
    const params = new URLSearchParams({ page: String(query.page), per_page: String(query.perPage) });
    if (query.status) params.set('status', query.status);
    const { result, result_info } = await call<InstanceRow[]>(`${path(name)}/instances?${params}`);
    return { rows: result, info: result_info! };
  },
  instance: async (name: string, id: string) => (await call<InstanceDetails>(path(name, id))).result,
  create: async (name: string, id: string | undefined, params: unknown) =>
    (await call<{ id: string }>(`${path(name)}/instances`, json('POST', { id, params }))).result,
  changeStatus: (name: string, id: string, body: { action: string; from?: { name: string; count?: number }; rollback?: boolean }) =>
    call(`${path(name, id)}/status`, json('PATCH', body)),
  sendEvent: (name: string, id: string, type: string, payload: unknown) => call(`${path(name, id)}/events/${encodeURIComponent(type)}`, json('POST', payload)),
  remove: (name: string, id: string) => call(`${path(name)}/instances/batch/delete`, json('POST', { instances: [id] })),
};
