// Cloudflare's API envelope, as its local explorer API answers (and wrangler reads): `{ success, errors,
// messages, result }`, with `result_info` on lists; failures carry `errors: [{ code, message }]`.

import { toJsonText } from '../http/json.js';

/** Cloudflare's codes: a workflow or instance that does not exist, and everything the engine refused. */
export const EXPLORER_NOT_FOUND = 10501;
export const EXPLORER_ENGINE_ERROR = 10001;

export interface ResultInfo {
  page?: number;
  per_page?: number;
  total_count?: number;
  total_pages?: number;
  count?: number;
  status_counts?: Record<string, number>;
}

function json(status: number, body: unknown): Response {
  return new Response(toJsonText(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}

export function explorerResult(result: unknown, resultInfo?: ResultInfo): Response {
  return json(200, { success: true, errors: [], messages: [], result, ...(resultInfo ? { result_info: resultInfo } : {}) });
}

export function explorerError(status: number, code: number, message: string): Response {
  return json(status, { success: false, errors: [{ code, message }], messages: [], result: null });
}

/** A failure of an explorer request, answered with its status and code. */
export class ExplorerProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'ExplorerProblem';
  }
}
