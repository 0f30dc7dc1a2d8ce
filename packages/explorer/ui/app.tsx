// The explorer: workflows with counts by status, a workflow's instances, one instance with its step timeline.

import { useRoute, href } from './router.ts';
import { WorkflowsView } from './views/workflows.tsx';
import { InstancesView } from './views/instances.tsx';
import { InstanceView } from './views/instance.tsx';

export function App() {
  const route = useRoute();
  return (
    <>
      <header class="top">
        <a class="brand" href={href({ view: 'workflows' })}>
          Cairn explorer
        </a>
        {route.view !== 'workflows' && (
          <nav aria-label="Breadcrumb">
            <a href={href({ view: 'workflows' })}>Workflows</a>
            <span aria-hidden="true"> / </span>
            <a href={href({ view: 'instances', workflow: route.workflow, status: '', page: 1, query: '' })}>{route.workflow}</a>
            {route.view === 'instance' && (
              <>
                <span aria-hidden="true"> / </span>
                <span aria-current="page">{route.id}</span>
              </>
            )}
          </nav>
        )}
      </header>
      <main>
        {route.view === 'workflows' && <WorkflowsView />}
        {route.view === 'instances' && <InstancesView route={route} />}
        {route.view === 'instance' && <InstanceView workflow={route.workflow} id={route.id} />}
      </main>
    </>
  );
}
