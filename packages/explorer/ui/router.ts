// Hash routes: #/ (workflows), #/w/<name>?status=&page=&q= (its instances), #/w/<name>/i/<id> (one instance).

import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { view: 'workflows' }
  | { view: 'instances'; workflow: string; status: string; page: number; query: string }
  | { view: 'instance'; workflow: string; id: string };

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'w' && parts[1] !== undefined && parts[2] === 'i' && parts[3] !== undefined) return { view: 'instance', workflow: parts[1], id: parts[3] };
  if (parts[0] === 'w' && parts[1] !== undefined) {
    const params = new URLSearchParams(search);
    return {
      view: 'instances',
      workflow: parts[1],
      status: params.get('status') ?? '',
      page: Math.max(1, Number(params.get('page') ?? 1) || 1),
      query: params.get('q') ?? '',
    };
  }
  return { view: 'workflows' };
}

export function href(route: Route): string {
  if (route.view === 'workflows') return '#/';
  const base = `#/w/${encodeURIComponent(route.workflow)}`;
  if (route.view === 'instance') return `${base}/i/${encodeURIComponent(route.id)}`;
  const params = new URLSearchParams();
  if (route.status) params.set('status', route.status);
  if (route.page > 1) params.set('page', String(route.page));
  if (route.query) params.set('q', route.query);
  const search = params.toString();
  return search ? `${base}?${search}` : base;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}
