// The explorer UI's files, pre-built into dist/ui when this package is built, served as they are: `cairn dev`
// (and any host) answers GET / and its assets with `explorerUi()`. Nothing is built or fetched at run time.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

export interface ExplorerUiOptions {
  /** Where the UI is served from. @default '/' */
  basePath?: string;
  /** The built UI's folder. @default this package's dist/ui */
  directory?: string;
}

/** Answers GET requests for the UI's files below `basePath` (its index for the base itself); null for anything else. */
export type ExplorerUi = (request: Request) => Response | null;

export function explorerUi(options: ExplorerUiOptions = {}): ExplorerUi {
  const directory = options.directory ?? fileURLToPath(new URL('./ui', import.meta.url));
  if (!existsSync(join(directory, 'index.html'))) throw new Error(`@cairn/explorer: the built UI is missing (${directory}/index.html); build the package`);
  const base = `/${(options.basePath ?? '/').replace(/^\/+|\/+$/g, '')}/`.replace('//', '/');
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const entry of readdirSync(directory, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(directory, path).split(sep).join('/'), { body: readFileSync(path), type: TYPES[extname(entry.name)] ?? 'application/octet-stream' });
  }
  return (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return null;
    const { pathname } = new URL(request.url);
    if (pathname !== base.slice(0, -1) && !pathname.startsWith(base)) return null;
    const file = files.get(pathname.slice(base.length) || 'index.html');
    if (!file) return null;
    // Hashed assets never change; the index names them, so it is never cached.
    const cache = file.type.startsWith('text/html') ? 'no-cache' : 'public, max-age=31536000, immutable';
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(file.body), { headers: { 'content-type': file.type, 'cache-control': cache } });
  };
}
