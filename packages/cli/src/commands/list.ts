// cairn instances list: one page, or every page with --all.

import { CONCURRENCY_SLOT_WORKFLOW, type InstanceRecord, type ListInstancesParams } from '@cairn/core';
import type { Command } from '../args.js';
import type { CommandContext } from '../context.js';
import { formatTime } from '../format.js';
import { renderTable } from '../table.js';
import { summarize, writeJson } from './summary.js';

export async function listCommand(ctx: CommandContext, command: Extract<Command, { name: 'list' }>): Promise<void> {
  const query: ListInstancesParams = { limit: command.limit };
  if (command.workflow !== undefined) query.workflowName = command.workflow;
  if (command.status !== undefined) query.status = command.status;
  if (command.cursor !== undefined) query.cursor = command.cursor;

  const instances: InstanceRecord[] = [];
  let nextCursor: string | undefined;
  for (let page = 1; ; page++) {
    const result = await ctx.store.listInstances(query);
    // Concurrency-limit slots are bookkeeping records: shown only when asked for by name.
    instances.push(...(command.workflow === undefined ? result.instances.filter((i) => i.workflowName !== CONCURRENCY_SLOT_WORKFLOW) : result.instances));
    nextCursor = result.nextCursor;
    if (!command.all || nextCursor === undefined) break;
    ctx.progress.update(`list: fetched ${instances.length} instance${instances.length === 1 ? '' : 's'} (page ${page}), more to come...`);
    query.cursor = nextCursor;
  }
  ctx.progress.done();

  if (ctx.json) {
    writeJson(ctx.io.stdout, { instances: instances.map(summarize), ...(nextCursor === undefined ? {} : { nextCursor }) });
    return;
  }
  if (instances.length === 0) ctx.io.stdout('No instances.\n');
  else {
    const table = renderTable(instances, [
      { header: 'WORKFLOW', cell: (i) => i.workflowName },
      { header: 'ID', cell: (i) => i.instanceId },
      { header: 'STATUS', cell: (i) => i.status },
      { header: 'CREATED', cell: (i) => formatTime(i.createdAt) },
      { header: 'UPDATED', cell: (i) => formatTime(i.updatedAt) },
      { header: 'ERROR', cell: (i) => (i.error ? `${i.error.name}: ${i.error.message}` : '') },
    ]);
    ctx.io.stdout(`${table}\n`);
  }
  if (nextCursor !== undefined) ctx.io.stderr(`More instances: add --cursor ${nextCursor} (or use --all)\n`);
}
