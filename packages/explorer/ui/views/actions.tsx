// The instance's actions, each confirmed in a dialog: pause, resume, terminate (optionally running its
// rollbacks), restart (optionally from a step), send an event, delete.

import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, type InstanceDetails } from '../api.ts';
import { href } from '../router.ts';
import { Dialog } from './dialog.tsx';
import { EventFields, RestartFields, type ActionInput } from './action-fields.tsx';

type Action = 'pause' | 'resume' | 'terminate' | 'restart' | 'event' | 'delete';
const FINISHED = new Set(['complete', 'errored', 'terminated']);

export function Actions({ workflow, id, details, onDone }: { workflow: string; id: string; details: InstanceDetails; onDone: () => void }) {
  const [open, setOpen] = useState<Action | null>(null);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [input, setInput] = useState<ActionInput>({ rollback: false, from: '', eventType: '', payload: '{}' });
  const change = (patch: Partial<ActionInput>) => setInput({ ...input, ...patch });
  const finished = FINISHED.has(details.status);

  const run = async (action: Action) => {
    try {
      await perform(workflow, id, action, input);
      setOpen(null);
      if (action === 'delete') location.hash = href({ view: 'instances', workflow, status: '', page: 1, query: '' });
      onDone();
    } catch (failure) {
      setProblem(failure instanceof SyntaxError ? 'The payload must be JSON' : failure instanceof Error ? failure.message : String(failure));
    }
  };
  const show = (action: Action) => {
    setProblem(undefined);
    if (action === 'event') change({ eventType: waitedEventType(details) ?? input.eventType });
    setOpen(action);
  };
  const button = (action: Action, label: string, enabled: boolean) => (
    <button type="button" disabled={!enabled} onClick={() => show(action)}>
      {label}
    </button>
  );
  const dialog = (action: Action, title: string, label: string, body?: ComponentChildren, danger = false) => (
    <Dialog title={title} open={open === action} onClose={() => setOpen(null)} onConfirm={() => void run(action)} confirmLabel={label} danger={danger}>
      {body}
      {problem && open === action && (
        <p class="problem" role="alert">
          {problem}
        </p>
      )}
    </Dialog>
  );
  const terminateBody = (
    <label class="inline">
      <input type="checkbox" checked={input.rollback} onChange={(event) => change({ rollback: (event.target as HTMLInputElement).checked })} /> Run the
      rollbacks of its steps first
    </label>
  );

  return (
    <div class="actions" role="group" aria-label="Instance actions">
      {button('pause', 'Pause', !finished && details.status !== 'paused')}
      {button('resume', 'Resume', details.status === 'paused' || details.status === 'waitingForPause')}
      {button('terminate', 'Terminate', !finished)}
      {button('restart', 'Restart', true)}
      {button('event', 'Send event', !finished)}
      {button('delete', 'Delete', true)}
      {dialog('pause', `Pause ${id}?`, 'Pause')}
      {dialog('resume', `Resume ${id}?`, 'Resume')}
      {dialog('terminate', `Terminate ${id}?`, 'Terminate', terminateBody, true)}
      {dialog('restart', `Restart ${id}?`, 'Restart', <RestartFields details={details} input={input} change={change} />)}
      {dialog('event', `Send an event to ${id}`, 'Send', <EventFields input={input} change={change} />)}
      {dialog('delete', `Delete ${id} and its journal?`, 'Delete', <p>A running instance stops; no rollback runs. This cannot be undone.</p>, true)}
    </div>
  );
}

async function perform(workflow: string, id: string, action: Action, input: ActionInput): Promise<void> {
  if (action === 'event') await api.sendEvent(workflow, id, input.eventType, input.payload.trim() === '' ? undefined : JSON.parse(input.payload));
  else if (action === 'delete') await api.remove(workflow, id);
  else if (action === 'restart') await api.changeStatus(workflow, id, { action, ...(input.from ? { from: parseFrom(input.from) } : {}) });
  else await api.changeStatus(workflow, id, { action, ...(action === 'terminate' && input.rollback ? { rollback: true } : {}) });
}

/** `charge-2` (a step's name with its occurrence) as Cloudflare's `{ name, count }`. */
function parseFrom(stepName: string): { name: string; count: number } {
  const match = /^(.*)-(\d+)$/.exec(stepName);
  return match ? { name: match[1]!, count: Number(match[2]) } : { name: stepName, count: 1 };
}

/** The event type the instance waits for (Cairn adds it to Cloudflare's shape), else the wait's name. */
function waitedEventType(details: InstanceDetails): string | undefined {
  const wait = details.steps.find((step) => step.type === 'waitForEvent' && !step.finished);
  if (wait?.type !== 'waitForEvent') return undefined;
  return wait.event_type ?? parseFrom(wait.name).name;
}
