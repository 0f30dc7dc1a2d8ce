// `describe --url`: an instance as the host's explorer API gives it (Cloudflare's instance-details shape), shown
// as the local `describe` shows a journal: the fields, then a step table.

import { formatDuration, inline } from '../format.js';
import { renderTable } from '../table.js';

interface RemoteAttempt {
  start: string | null;
  end: string | null;
  success: boolean | null;
  error: { name: string; message: string } | null;
}

interface RemoteStep {
  name: string;
  type: string;
  start: string;
  end: string | null;
  success?: boolean | null;
  finished?: boolean;
  output?: unknown;
  attempts?: RemoteAttempt[];
  error?: { name: string; message: string } | null;
}

export interface RemoteDetails {
  status: string;
  params: unknown;
  queued: string;
  start: string | null;
  end: string | null;
  output: unknown;
  error: { name: string; message: string } | null;
  steps: RemoteStep[];
  events?: Array<{ type: string }>;
  version?: string;
}

const OUTPUT_WIDTH = 60;
const time = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

export function renderRemoteDescription(workflow: string, id: string, details: RemoteDetails, full: boolean): string {
  const fields: Array<[string, string]> = [
    ['workflow', workflow],
    ['id', id],
    ['status', details.status],
    ...(details.version === undefined ? [] : [['version', details.version] as [string, string]]),
    ['queued', time(details.queued)],
    ['started', time(details.start)],
  ];
  if (details.end) fields.push(['finished', `${time(details.end)} (took ${formatDuration(Date.parse(details.end) - Date.parse(details.queued))})`]);
  fields.push(['params', inline(details.params)]);
  if (details.output !== null && details.output !== undefined) fields.push(['output', inline(details.output, 2000)]);
  if (details.error) fields.push(['error', `${details.error.name}: ${details.error.message}`]);
  if (details.events && details.events.length > 0) fields.push(['events', details.events.map((event) => event.type).join(', ')]);
  const width = Math.max(...fields.map(([label]) => label.length));
  const head = fields.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
  if (details.steps.length === 0) return `${head}\n\nNo steps recorded yet.`;
  const table = renderTable(details.steps, [
    { header: 'STEP', cell: (step) => step.name },
    { header: 'TYPE', cell: (step) => step.type },
    { header: 'STATE', cell: stateOf },
    { header: 'ATTEMPTS', cell: (step) => (step.attempts ? String(step.attempts.length) : '-'), right: true },
    { header: 'START', cell: (step) => time(step.start) },
    { header: 'DURATION', cell: (step) => (step.end ? formatDuration(Date.parse(step.end) - Date.parse(step.start)) : '…'), right: true },
    {
      header: 'OUTPUT',
      cell: (step) => (step.output === undefined || step.output === null ? '' : inline(step.output, full ? Number.POSITIVE_INFINITY : OUTPUT_WIDTH)),
    },
    { header: 'ERROR', cell: errorOf },
  ]);
  return `${head}\n\n${table}`;
}

function stateOf(step: RemoteStep): string {
  if (step.type === 'sleep') return step.finished ? 'slept' : 'sleeping';
  if (step.type === 'waitForEvent') return step.finished ? (step.error ? 'timed out' : 'received') : 'waiting';
  if (step.success === true) return 'completed';
  if (step.success === false) return 'failed';
  const last = step.attempts?.at(-1);
  return last && last.end === null ? 'running' : 'retrying';
}

function errorOf(step: RemoteStep): string {
  if (step.error) return `${step.error.name}: ${step.error.message}`;
  const failed = step.attempts?.filter((attempt) => attempt.error) ?? [];
  const last = failed.at(-1);
  return last?.error ? `attempt ${step.attempts!.indexOf(last) + 1}: ${last.error.message}` : '';
}
