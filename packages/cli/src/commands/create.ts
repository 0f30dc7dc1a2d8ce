// cairn instances create: records the instance (the runner polling the due index starts it), or with
// --wait runs it in this process until it finishes or waits for an event, sleeping through timed waits.

import { setTimeout as delay } from 'node:timers/promises';
import { buildStepTimeline, type InstanceRef, type ReplayReport } from '@cairn/core';
import type { Command } from '../args.js';
import type { CommandContext } from '../context.js';
import { decodeStored, formatDuration, formatOffset, formatTime, inline } from '../format.js';
import { describeStepLine } from '../step-lines.js';
import { details, writeJson } from './summary.js';

/** Returns the exit code: with --wait, 1 when the instance errored or was terminated. */
export async function createCommand(ctx: CommandContext, command: Extract<Command, { name: 'create' }>): Promise<number> {
  const options: { id?: string; params?: unknown } = {};
  if (command.id !== undefined) options.id = command.id;
  if (command.params !== undefined) options.params = command.params;
  const instance = await ctx.runtime.workflow(command.workflow).create(options);
  const ref: InstanceRef = { workflowName: command.workflow, instanceId: instance.id };

  if (!command.wait) {
    const record = await ctx.store.getInstance(ref);
    if (ctx.json) writeJson(ctx.io.stdout, record ? details(record) : { workflow: ref.workflowName, id: ref.instanceId });
    else ctx.io.stdout(`Created ${ref.workflowName}/${ref.instanceId} (${record?.status ?? 'queued'}); a runner will start it.\n`);
    return 0;
  }

  const started = ctx.runtime.clock.now();
  ctx.onStep((step) => {
    const now = ctx.runtime.clock.now();
    ctx.progress.log(`[${formatOffset(now - started)}] ${describeStepLine(step, now)}`);
  });
  ctx.progress.log(`[+0ms] ${ref.workflowName}/${ref.instanceId}: running in this process`);
  const report = await runUntilBlocked(ctx, ref);
  ctx.progress.done();

  const record = await ctx.store.getInstance(ref);
  const code = report.outcome === 'errored' || report.outcome === 'terminated' ? 1 : 0;
  if (ctx.json) {
    writeJson(ctx.io.stdout, {
      ...(record ? details(record) : { workflow: ref.workflowName, id: ref.instanceId }),
      outcome: report.outcome,
      ...(report.reason ? { blockedOn: report.reason } : {}),
    });
    return code;
  }
  const lines = [`${ref.workflowName}/${ref.instanceId}: ${record?.status ?? report.status ?? report.outcome}`];
  if (record?.output != null) lines.push(`output: ${inline(decodeStored(record.output), 2000)}`);
  if (record?.error) lines.push(`error: ${record.error.name}: ${record.error.message}`);
  if (report.outcome === 'suspended' && report.reason === 'event') {
    lines.push(`waiting for an event until ${formatTime(report.wakeAt)}; send it with "cairn instances send-event", a runner continues it`);
  }
  ctx.io.stdout(`${lines.join('\n')}\n`);
  return code;
}

/** Why a suspended instance waits, from its journal: an event wait in progress, a pause, else a sleep or retry. */
async function blockedOn(ctx: CommandContext, ref: InstanceRef, now: number): Promise<NonNullable<ReplayReport['reason']>> {
  const journal = await ctx.store.loadJournal(ref);
  if (!journal) return 'sleep';
  if (journal.instance.status === 'paused' || journal.instance.status === 'waitingForPause') return 'pause';
  const timeline = buildStepTimeline(journal, now, { decode: false });
  if (timeline.some((step) => step.state === 'waiting')) return 'event';
  return timeline.some((step) => step.state === 'retrying') ? 'retry' : 'sleep';
}

/** Replays until the instance finishes, pauses or waits for an event; timed waits are slept through here. */
async function runUntilBlocked(ctx: CommandContext, ref: InstanceRef): Promise<ReplayReport> {
  for (;;) {
    const report = await ctx.runtime.replay(ref);
    const now = ctx.runtime.clock.now();
    switch (report.outcome) {
      case 'continue':
      case 'lease_lost':
        continue;
      case 'suspended': {
        // A replay that found the instance already suspended (another runner ran it) says not why: the journal does.
        const reason = report.reason ?? (await blockedOn(ctx, ref, now));
        if (reason === 'event' || reason === 'pause' || report.wakeAt === null) return { ...report, reason };
        ctx.progress.update(`suspended (${reason}) until ${formatTime(report.wakeAt)}, in ${formatDuration(report.wakeAt - now)}...`);
        await delay(Math.max(0, report.wakeAt - now));
        continue;
      }
      case 'busy':
        ctx.progress.update(`another runner holds the instance; checking again in ${formatDuration((report.wakeAt ?? now) - now)}...`);
        await delay(Math.min(Math.max(50, (report.wakeAt ?? now) - now), 5_000));
        continue;
      default:
        return report;
    }
  }
}
