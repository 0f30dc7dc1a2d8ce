// `cairn instances … --url <host>`: the instance commands against a deployed host's explorer API, with no store
// and no config. Output follows the local commands' (tables, `--json`); what only the journal knows (updated
// times, wake-ups) is left out.

import { UsageError } from '../usage.js';
import type { Command } from '../args.js';
import type { CliIO } from '../io.js';
import { inline } from '../format.js';
import { renderTable } from '../table.js';
import { writeJson } from '../commands/summary.js';
import type { RemoteClient } from './client.js';
import { renderRemoteDescription, type RemoteDetails } from './describe.js';

type InstanceCommand = Exclude<Command, { name: 'help' | 'version' | 'workflows' | 'doctor' | 'dev' }>;
interface Row {
  workflow: string;
  id: string;
  status: string;
  created_on: string;
}

const path = (workflow: string, id?: string) => `/workflows/${encodeURIComponent(workflow)}${id === undefined ? '' : `/instances/${encodeURIComponent(id)}`}`;

export async function remoteInstancesCommand(io: CliIO, client: RemoteClient, command: InstanceCommand, json: boolean): Promise<number> {
  switch (command.name) {
    case 'list':
      return list(io, client, command, json);
    case 'describe': {
      const { result } = await client.call<RemoteDetails>('GET', path(command.workflow, command.id));
      if (json) writeJson(io.stdout, { workflow: command.workflow, id: command.id, ...result });
      else io.stdout(`${renderRemoteDescription(command.workflow, command.id, result, command.full)}\n`);
      return 0;
    }
    case 'create': {
      if (command.wait) throw new UsageError('--wait runs the instance in this process: it cannot be combined with --url');
      const { result } = await client.call<{ id: string }>('POST', `${path(command.workflow)}/instances`, { id: command.id, params: command.params });
      return done(io, json, client, command.workflow, result.id, 'Created');
    }
    case 'send-event':
      await client.call('POST', `${path(command.workflow, command.id)}/events/${encodeURIComponent(command.type)}`, command.payload);
      return done(io, json, client, command.workflow, command.id, `Sent event "${command.type}" to`);
    case 'delete':
      await client.call('POST', `${path(command.workflow)}/instances/batch/delete`, { instances: [command.id] });
      if (json) writeJson(io.stdout, { workflow: command.workflow, id: command.id, deleted: true });
      else io.stdout(`Deleted ${command.workflow}/${command.id}\n`);
      return 0;
    default: {
      const body =
        command.name === 'terminate'
          ? { action: 'terminate', ...(command.rollback ? { rollback: true } : {}) }
          : command.name === 'restart' && command.from
            ? { action: 'restart', from: { name: command.from } }
            : { action: command.name };
      await client.call('PATCH', `${path(command.workflow, command.id)}/status`, body);
      const verb = { pause: 'Paused', resume: 'Resumed', terminate: 'Terminated', restart: 'Restarted' }[command.name];
      return done(io, json, client, command.workflow, command.id, verb);
    }
  }
}

async function done(io: CliIO, json: boolean, client: RemoteClient, workflow: string, id: string, verb: string): Promise<number> {
  const { result } = await client.call<RemoteDetails>('GET', path(workflow, id));
  if (json) writeJson(io.stdout, { workflow, id, status: result.status });
  else io.stdout(`${verb} ${workflow}/${id}; status: ${result.status}\n`);
  return 0;
}

/** One page (`--limit`, from 1 to 1000) of one workflow or, without `--workflow`, of each, newest first. */
async function list(io: CliIO, client: RemoteClient, command: Extract<Command, { name: 'list' }>, json: boolean): Promise<number> {
  if (command.cursor !== undefined || command.all) throw new UsageError('--cursor and --all page a store: with --url, list one page (--limit up to 1000)');
  const workflows =
    command.workflow !== undefined ? [command.workflow] : (await client.call<Array<{ name: string }>>('GET', '/workflows')).result.map((w) => w.name);
  const query = `?page=1&per_page=${command.limit}${command.status ? `&status=${command.status}` : ''}`;
  const rows: Row[] = [];
  for (const workflow of workflows) {
    const { result } = await client.call<Array<Omit<Row, 'workflow'>>>('GET', `${path(workflow)}/instances${query}`);
    rows.push(...result.map((row) => ({ workflow, ...row })));
  }
  rows.sort((a, b) => b.created_on.localeCompare(a.created_on));
  const page = rows.slice(0, command.limit);
  if (json) {
    writeJson(io.stdout, { instances: page.map((row) => ({ workflow: row.workflow, id: row.id, status: row.status, createdAt: row.created_on })) });
    return 0;
  }
  if (page.length === 0) {
    io.stdout(`No instances on ${client.origin}.\n`);
    return 0;
  }
  const table = renderTable(page, [
    { header: 'WORKFLOW', cell: (row) => row.workflow },
    { header: 'ID', cell: (row) => row.id },
    { header: 'STATUS', cell: (row) => row.status },
    { header: 'CREATED', cell: (row) => inline(row.created_on.replace('T', ' ').replace(/\.\d+Z$/, 'Z')) },
  ]);
  io.stdout(`${table}\n`);
  return 0;
}
