// Tenant code as a module: source text (or its UTF-8 bytes, as fetched from S3 or GCS) imported from a data: URL,
// or a file imported from its path. A module given as text cannot resolve bare specifiers (there is no
// node_modules beside it): it is self-contained (bundled), may import `node:` builtins, and its imports of
// 'cloudflare:workers' and '@cairn/core' are pointed at this process's @cairn/core, so a tenant workflow written
// for Cloudflare (`import { WorkflowEntrypoint } from 'cloudflare:workers'`) loads unchanged.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ValidationError, type WorkflowClass } from '@cairn/core';

/** Tenant code: module source text, its bytes, a module file, or a class already loaded. */
export type TenantSource = string | Uint8Array | { file: string } | { workflow: WorkflowClass };

const CORE_SPECIFIERS = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(cloudflare:workers|@cairn\/core)\2/g;

let coreUrl: string | undefined;

/** Where this process's @cairn/core is, as a URL a data: module can import. */
export function coreModuleUrl(): string {
  if (coreUrl === undefined) {
    const resolve = (import.meta as { resolve?: (specifier: string) => string }).resolve;
    coreUrl = resolve ? resolve('@cairn/core') : pathToFileURL(createRequire(import.meta.url).resolve('@cairn/core')).href;
  }
  return coreUrl;
}

/** The source with its imports of Cloudflare's and Cairn's workflow modules pointed at `core`. */
export function pointImportsAt(source: string, core: string): string {
  return source.replace(CORE_SPECIFIERS, (_match, lead: string, quote: string) => `${lead}${quote}${core}${quote}`);
}

/** The module's namespace. `version` keeps a file re-read when its tenant's version changes (the import cache is per URL). */
export async function importTenantModule(source: Exclude<TenantSource, { workflow: WorkflowClass }>, version: string): Promise<Record<string, unknown>> {
  if (typeof source === 'object' && !(source instanceof Uint8Array)) {
    return (await import(`${pathToFileURL(source.file).href}?version=${encodeURIComponent(version)}`)) as Record<string, unknown>;
  }
  const text = typeof source === 'string' ? source : new TextDecoder('utf-8', { fatal: true }).decode(source);
  const url = `data:text/javascript;base64,${Buffer.from(pointImportsAt(text, coreModuleUrl())).toString('base64')}`;
  return (await import(url)) as Record<string, unknown>;
}

/** The workflow class a module exports: `exportName`, else the default export, else its only exported class. */
export function workflowClassOf(namespace: Record<string, unknown>, exportName: string | undefined, what: string): WorkflowClass {
  if (exportName !== undefined) {
    const named = namespace[exportName];
    if (typeof named === 'function') return named as WorkflowClass;
    throw new ValidationError(`${what} export "${exportName}"`, 'a WorkflowEntrypoint class exported under that name', Object.keys(namespace));
  }
  if (typeof namespace.default === 'function') return namespace.default as WorkflowClass;
  const classes = Object.values(namespace).filter(
    (value) => typeof value === 'function' && typeof (value as { prototype?: { run?: unknown } }).prototype?.run === 'function',
  );
  if (classes.length === 1) return classes[0] as WorkflowClass;
  throw new ValidationError(`${what}`, 'a module exporting one WorkflowEntrypoint class (as default, or name it with exportName)', Object.keys(namespace));
}
