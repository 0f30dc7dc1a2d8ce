// cairn workflows list: the config's workflows (binding, name, class) and their instances by status.

import { countInstancesOf, InstanceStatusSchema, type InstanceCounts } from '@cairn/core';
import type { LoadedConfig } from '../config.js';
import type { CommandContext } from '../context.js';
import { renderTable } from '../table.js';
import { writeJson } from './summary.js';

const STATUSES = InstanceStatusSchema.options.filter((status) => status !== 'unknown');

export async function workflowsCommand(ctx: CommandContext, config: LoadedConfig): Promise<void> {
  const rows = await Promise.all(
    Object.entries(config.workflows).map(async ([binding, registration]) => {
      const Workflow =
        typeof registration === 'function' ? registration : 'versions' in registration ? registration.versions[registration.current]! : registration.workflow;
      const name = typeof registration === 'function' ? binding : (registration.name ?? binding);
      return { binding, name, className: Workflow.name, counts: await countInstancesOf(ctx.store, binding) };
    }),
  );
  if (ctx.json) {
    writeJson(ctx.io.stdout, { workflows: rows });
    return;
  }
  const table = renderTable(rows, [
    { header: 'BINDING', cell: (row) => row.binding },
    { header: 'NAME', cell: (row) => row.name },
    { header: 'CLASS', cell: (row) => row.className },
    { header: 'INSTANCES', cell: (row) => describeCounts(row.counts) },
  ]);
  ctx.io.stdout(`${table}\n`);
}

function describeCounts(counts: InstanceCounts): string {
  const parts = STATUSES.filter((status) => (counts[status] ?? 0) > 0).map((status) => `${counts[status]} ${status}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}
