// cairn instances describe: the instance and its step timeline, derived from the journal.

import { InstanceNotFoundError, receivedEvents, type Journal } from '@cairn/core';
import type { Command } from '../args.js';
import type { CommandContext } from '../context.js';
import { decodeStored, formatDuration, formatOffset, formatTime, inline, isoTime } from '../format.js';
import { renderTable } from '../table.js';
import { buildTimeline, type TimelineStep } from '../timeline.js';
import { details, writeJson } from './summary.js';

export async function describeCommand(ctx: CommandContext, command: Extract<Command, { name: 'describe' }>): Promise<void> {
  const journal = await ctx.store.loadJournal({ workflowName: command.workflow, instanceId: command.id });
  if (!journal) throw new InstanceNotFoundError(command.workflow, command.id);
  const now = ctx.runtime.clock.now();
  const steps = buildTimeline(journal, now);

  if (ctx.json) {
    writeJson(ctx.io.stdout, {
      ...details(journal.instance),
      steps: steps.map((step) => ({ ...step, startedAt: isoTime(step.startedAt), wakeAt: isoTime(step.wakeAt) })),
      events: receivedEvents(journal).map((event) => ({
        id: event.id,
        type: event.type,
        timestamp: isoTime(event.timestamp),
        payload: decodeStored(event.payload),
      })),
    });
    return;
  }
  ctx.io.stdout(`${renderDescription(journal, steps, command.full)}\n`);
}

/** Step outputs in the table are cut to this many characters unless `--full`. */
const OUTPUT_WIDTH = 60;

function renderDescription(journal: Journal, steps: TimelineStep[], full: boolean): string {
  const { instance } = journal;
  const fields: Array<[string, string]> = [
    ['workflow', instance.workflowName],
    ['id', instance.instanceId],
    ['status', instance.status],
    ...(instance.workflowVersion === undefined ? [] : [['version', instance.workflowVersion] as [string, string]]),
    ['created', formatTime(instance.createdAt)],
    ['updated', formatTime(instance.updatedAt)],
  ];
  if (instance.finishedAt !== null)
    fields.push(['finished', `${formatTime(instance.finishedAt)} (took ${formatDuration(instance.finishedAt - instance.createdAt)})`]);
  if (instance.wakeAt !== null) fields.push(['next wake', formatTime(instance.wakeAt)]);
  fields.push(['params', inline(decodeStored(instance.params))]);
  if (instance.output !== null) fields.push(['output', inline(decodeStored(instance.output), 2000)]);
  if (instance.error) fields.push(['error', `${instance.error.name}: ${instance.error.message}`]);
  const rollback = instance.error?.rollback;
  if (rollback) fields.push(['rollback', rollback.error ? `${rollback.outcome}: ${rollback.error.name}: ${rollback.error.message}` : rollback.outcome]);
  if (instance.generation > 0) fields.push(['restarts', String(instance.generation)]);
  if (instance.recoveries > 0) fields.push(['recoveries', `${instance.recoveries} (taken over after a runner died)`]);
  const events = receivedEvents(journal);
  if (events.length > 0) fields.push(['events', events.map((event) => event.type).join(', ')]);
  const width = Math.max(...fields.map(([label]) => label.length));
  const head = fields.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');

  if (steps.length === 0) return `${head}\n\nNo steps recorded yet.`;
  const table = renderTable(steps, [
    { header: 'STEP', cell: (s) => (s.count > 1 ? `${s.name} #${s.count}` : s.name) },
    { header: 'KIND', cell: (s) => s.kind },
    { header: 'STATE', cell: (s) => s.state },
    { header: 'ATTEMPTS', cell: (s) => (s.attempts === null ? '-' : String(s.attempts)), right: true },
    { header: 'START', cell: (s) => formatOffset(s.startedAt - instance.createdAt), right: true },
    { header: 'DURATION', cell: (s) => `${formatDuration(s.durationMs)}${s.open ? '…' : ''}`, right: true },
    { header: 'OUTPUT', cell: (s) => ('output' in s && s.output !== undefined ? inline(s.output, full ? Number.POSITIVE_INFINITY : OUTPUT_WIDTH) : '') },
    { header: 'ERROR', cell: (s) => s.error ?? '' },
  ]);
  return `${head}\n\n${table}`;
}
