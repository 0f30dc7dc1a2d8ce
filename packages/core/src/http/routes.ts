// The REST routes: a path (already stripped of the base path) and a method to one operation.

import { HttpProblem } from './http-errors.js';

export type Route =
  | { op: 'create'; workflowName: string }
  | { op: 'createBatch'; workflowName: string }
  | { op: 'get'; workflowName: string; instanceId: string }
  | { op: 'delete'; workflowName: string; instanceId: string }
  | { op: 'sendEvent'; workflowName: string; instanceId: string }
  | { op: 'pause' | 'resume' | 'terminate' | 'restart'; workflowName: string; instanceId: string };

const ACTIONS = new Set(['pause', 'resume', 'terminate', 'restart']);

/** Null when no route has this path; throws HttpProblem for a bad segment or a method the path does not take. */
export function matchRoute(method: string, path: string): Route | null {
  const raw = path.split('/').filter((segment, i) => !(i === 0 && segment === ''));
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  if (raw.some((segment) => segment === '')) return null;
  let parts: string[];
  try {
    parts = raw.map((segment) => decodeURIComponent(segment));
  } catch {
    throw new HttpProblem(400, 'invalid_input', 'The path has a malformed percent-encoded segment');
  }
  if (parts.length < 3 || parts[0] !== 'workflows' || parts[2] !== 'instances') return null;
  const workflowName = parts[1]!;
  const allow = (expected: string) => {
    if (method !== expected) throw new HttpProblem(405, 'method_not_allowed', `Use ${expected} for this path`, expected);
  };
  if (parts.length === 3) {
    allow('POST');
    return { op: 'create', workflowName };
  }
  const instanceId = parts[3]!;
  if (parts.length === 4) {
    if (instanceId === 'batch' && method === 'POST') return { op: 'createBatch', workflowName };
    if (method === 'DELETE') return { op: 'delete', workflowName, instanceId };
    if (method !== 'GET') throw new HttpProblem(405, 'method_not_allowed', 'Use GET or DELETE for this path', 'GET, DELETE');
    return { op: 'get', workflowName, instanceId };
  }
  if (parts.length === 5) {
    const action = parts[4]!;
    if (action === 'events') {
      allow('POST');
      return { op: 'sendEvent', workflowName, instanceId };
    }
    if (ACTIONS.has(action)) {
      allow('POST');
      return { op: action as 'pause' | 'resume' | 'terminate' | 'restart', workflowName, instanceId };
    }
  }
  return null;
}
