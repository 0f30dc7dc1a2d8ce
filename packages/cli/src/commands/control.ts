// cairn instances send-event | pause | resume | terminate | restart | delete: the instance API, then its status.

import { FINISHED_STATUSES, InstanceFinishedError } from '@cairn/core';
import type { Command } from '../args.js';
import type { CommandContext } from '../context.js';
import { details, writeJson } from './summary.js';

type ControlCommand = Extract<Command, { name: 'send-event' | 'pause' | 'resume' | 'terminate' | 'restart' | 'delete' }>;

const DONE: Record<Exclude<ControlCommand['name'], 'send-event' | 'delete'>, string> = {
  pause: 'Paused',
  resume: 'Resumed',
  terminate: 'Terminated',
  restart: 'Restarted',
};

export async function controlCommand(ctx: CommandContext, command: ControlCommand): Promise<void> {
  const instance = await ctx.runtime.workflow(command.workflow).get(command.id);
  switch (command.name) {
    case 'send-event':
      await instance.sendEvent(command.payload === undefined ? { type: command.type } : { type: command.type, payload: command.payload });
      break;
    case 'restart':
      await instance.restart(command.from === undefined ? undefined : { from: { name: command.from } });
      break;
    case 'terminate':
      await instance.terminate(command.rollback ? { rollback: true } : undefined);
      break;
    case 'delete':
      await instance.delete();
      if (ctx.json) writeJson(ctx.io.stdout, { workflow: command.workflow, id: command.id, deleted: true });
      else ctx.io.stdout(`Deleted ${command.workflow}/${command.id}\n`);
      return;
    default: {
      // As terminate does: a finished instance cannot be paused or resumed, and saying so is a failure (exit 1).
      const { status } = await instance.status();
      if (FINISHED_STATUSES.has(status)) throw new InstanceFinishedError(command.workflow, command.id, status, command.name);
      await instance[command.name]();
    }
  }
  const record = await ctx.store.getInstance({ workflowName: command.workflow, instanceId: command.id });
  if (ctx.json) {
    writeJson(ctx.io.stdout, record ? details(record) : { workflow: command.workflow, id: command.id });
    return;
  }
  const done =
    command.name === 'send-event'
      ? `Sent event "${command.type}" to`
      : command.name === 'terminate' && command.rollback
        ? 'Terminating (its rollbacks run first)'
        : DONE[command.name];
  ctx.io.stdout(`${done} ${command.workflow}/${command.id}; status: ${record?.status ?? 'unknown'}\n`);
}
