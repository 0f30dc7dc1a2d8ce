// The dispatcher on the Node host with SQLite: `npm start -w examples/dynamic-tenants`.
//
//   CAIRN_DB      the journal (default ./tenants.db); tenant code is kept beside it (<CAIRN_DB>.code)
//   PORT          default 8790 (0: any free port); the URL is printed on the first line
//   HOST          default 127.0.0.1; anything else needs TENANT_TOKEN
//   TENANT_TOKEN  when set, the tenant API wants `Authorization: Bearer <TENANT_TOKEN>`
//   ISOLATE       1: run each tenant's code in a Worker (128 MiB heap, 10 s of CPU per step attempt)

import { createHostServer, toNodeListener } from '@cairn/core';
import { createNodeHost } from '@cairn/host-node';
import { createSqliteStore } from '@cairn/store-sqlite';
import { createSqliteCodeStore } from './code-store.ts';
import { tenantRoutes, tenantWorkflow, WORKFLOW } from './platform.ts';

const dbPath = process.env.CAIRN_DB ?? './tenants.db';
const host = process.env.HOST ?? '127.0.0.1';
const token = process.env.TENANT_TOKEN || undefined;
if (!['127.0.0.1', '::1', 'localhost'].includes(host) && !token) {
  console.error(`[tenants] serving ${host} (not loopback) needs TENANT_TOKEN`);
  process.exit(2);
}

const codes = createSqliteCodeStore(`${dbPath}.code`);
const cairn = createNodeHost({
  store: createSqliteStore({ path: dbPath }),
  workflows: { [WORKFLOW]: tenantWorkflow(codes, process.env.ISOLATE === '1' ? {} : undefined) },
  onError: (error, where) => console.error(`[tenants] ${where.operation} of ${where.instanceId}:`, (error as Error).message),
});
await cairn.start();
const routes = tenantRoutes(cairn.runtime, codes, token ? { token } : {});
const server = createHostServer(
  toNodeListener(async (request) => (await routes(request)) ?? Response.json({ error: { code: 'not_found', message: 'no such route' } }, { status: 404 })),
);
server.listen(Number(process.env.PORT ?? 8790), host, () => {
  const address = server.address() as { port: number };
  console.log(`http://${host}:${address.port}`);
});
process.once('SIGTERM', () => server.close());
