// The local explorer API's routes (paths below `/cdn-cgi/local/explorer/api`), as Miniflare serves them.

export type ExplorerRoute =
  | { op: 'listWorkflows' }
  | { op: 'workflow' | 'deleteWorkflow' | 'listInstances' | 'create' | 'deleteBatch'; workflow: string }
  | { op: 'instance' | 'deleteInstance' | 'changeStatus'; workflow: string; instanceId: string }
  | { op: 'sendEvent'; workflow: string; instanceId: string; eventType: string };

/** The route for a method and path, or null for none (answered 404). A malformed percent-encoding is none too. */
export function matchExplorerRoute(method: string, path: string): ExplorerRoute | null {
  let parts: string[];
  try {
    parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return null;
  }
  if (parts[0] !== 'workflows') return null;
  const [, workflow, instances, instanceId, action, eventType] = parts;
  if (workflow === undefined) return method === 'GET' && parts.length === 1 ? { op: 'listWorkflows' } : null;
  if (instances === undefined) return method === 'GET' ? { op: 'workflow', workflow } : method === 'DELETE' ? { op: 'deleteWorkflow', workflow } : null;
  if (instances !== 'instances') return null;
  if (instanceId === undefined) return method === 'GET' ? { op: 'listInstances', workflow } : method === 'POST' ? { op: 'create', workflow } : null;
  if (instanceId === 'batch' && action === 'delete' && parts.length === 5) return method === 'POST' ? { op: 'deleteBatch', workflow } : null;
  if (action === undefined)
    return method === 'GET' ? { op: 'instance', workflow, instanceId } : method === 'DELETE' ? { op: 'deleteInstance', workflow, instanceId } : null;
  if (action === 'status' && parts.length === 5) return method === 'PATCH' ? { op: 'changeStatus', workflow, instanceId } : null;
  if (action === 'events' && eventType !== undefined && parts.length === 6)
    return method === 'POST' ? { op: 'sendEvent', workflow, instanceId, eventType } : null;
  return null;
}
