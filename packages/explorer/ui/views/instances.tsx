// A workflow's instances, newest first: filtered by status, found by id, a page at a time (the store pages, so
// a workflow with 100,000 instances loads one page); and a form to create one.

import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import { formatTime, STATUSES } from '../format.ts';
import { usePolling } from '../poll.ts';
import { href, type Route } from '../router.ts';
import { CreateForm } from './create-form.tsx';
import { Problem, StatusBadge } from './status.tsx';

const PER_PAGE = 25;
type InstancesRoute = Extract<Route, { view: 'instances' }>;

export function InstancesView({ route }: { route: InstancesRoute }) {
  const { workflow, status, page } = route;
  const { data, error, reload } = usePolling(
    () => api.instances(workflow, { page, perPage: PER_PAGE, ...(status ? { status } : {}) }),
    `${workflow}|${status}|${page}`,
  );
  const go = (change: Partial<InstancesRoute>) => (location.hash = href({ ...route, ...change }));
  return (
    <section>
      <h1>{workflow}</h1>
      <div class="toolbar">
        <label>
          Status{' '}
          <select value={status} onChange={(event) => go({ status: (event.target as HTMLSelectElement).value, page: 1 })}>
            <option value="">all</option>
            {STATUSES.map((name) => (
              <option key={name} value={name}>
                {name} {data?.info.status_counts[name] ? `(${data.info.status_counts[name]})` : ''}
              </option>
            ))}
          </select>
        </label>
        <FindById workflow={workflow} />
        <CreateForm workflow={workflow} onCreated={reload} />
      </div>
      <Problem message={error} />
      {data && data.rows.length === 0 && <p>No instances{status ? ` with status ${status}` : ''}.</p>}
      {data && data.rows.length > 0 && (
        <table class="grid" aria-label={`Instances of ${workflow}`}>
          <thead>
            <tr>
              <th scope="col">Instance</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.map((row) => (
              <tr key={row.id}>
                <td>
                  <a href={href({ view: 'instance', workflow, id: row.id })}>{row.id}</a>
                </td>
                <td>
                  <StatusBadge status={row.status} />
                </td>
                <td>{formatTime(row.created_on)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && (
        <nav class="pager" aria-label="Pages">
          <button type="button" disabled={page <= 1} onClick={() => go({ page: page - 1 })}>
            Newer
          </button>
          <span>
            page {page} of {data.info.total_pages} · {data.info.total_count} instance{data.info.total_count === 1 ? '' : 's'}
          </span>
          <button type="button" disabled={page >= data.info.total_pages} onClick={() => go({ page: page + 1 })}>
            Older
          </button>
        </nav>
      )}
    </section>
  );
}

function FindById({ workflow }: { workflow: string }) {
  const [id, setId] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const find = async (event: Event) => {
    event.preventDefault();
    const wanted = id.trim();
    if (!wanted) return;
    try {
      await api.instance(workflow, wanted);
      location.hash = href({ view: 'instance', workflow, id: wanted });
    } catch (failure) {
      setProblem(failure instanceof ApiError ? failure.message : String(failure));
    }
  };
  return (
    <form class="find" onSubmit={find} role="search">
      <label>
        Instance id <input value={id} onInput={(event) => (setId((event.target as HTMLInputElement).value), setProblem(undefined))} />
      </label>
      <button type="submit">Open</button>
      {problem && <span class="problem">{problem}</span>}
    </form>
  );
}
