// The workflows, each with its instances by status; each links to its instance list (filtered by a status).

import { api } from '../api.ts';
import { STATUSES } from '../format.ts';
import { usePolling } from '../poll.ts';
import { href } from '../router.ts';
import { Problem, StatusBadge } from './status.tsx';

export function WorkflowsView() {
  const { data, error } = usePolling(async () => Promise.all((await api.workflows()).map((workflow) => api.workflow(workflow.name))), 'workflows');
  return (
    <section>
      <h1>Workflows</h1>
      <Problem message={error} />
      {data && data.length === 0 && <p>No workflows are bound.</p>}
      {data && data.length > 0 && (
        <table class="grid">
          <thead>
            <tr>
              <th scope="col">Workflow</th>
              <th scope="col">Class</th>
              <th scope="col">Instances</th>
            </tr>
          </thead>
          <tbody>
            {data.map((workflow) => (
              <tr key={workflow.name}>
                <td>
                  <a href={href({ view: 'instances', workflow: workflow.name, status: '', page: 1, query: '' })}>{workflow.name}</a>
                </td>
                <td>{workflow.class_name}</td>
                <td class="counts">
                  {STATUSES.filter((status) => (workflow.instances[status] ?? 0) > 0).map((status) => (
                    <a key={status} href={href({ view: 'instances', workflow: workflow.name, status, page: 1, query: '' })}>
                      <StatusBadge status={status} /> {workflow.instances[status]}
                    </a>
                  ))}
                  {STATUSES.every((status) => (workflow.instances[status] ?? 0) === 0) && 'none yet'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
