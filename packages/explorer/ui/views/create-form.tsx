// Create an instance: an optional id and params as JSON, confirmed in a dialog.

import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { href } from '../router.ts';
import { Dialog } from './dialog.tsx';

export function CreateForm({ workflow, onCreated }: { workflow: string; onCreated: () => void }) {
  const [open, setOpen] = useState(false);
  const [id, setId] = useState('');
  const [params, setParams] = useState('{}');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const create = async () => {
    let parsed: unknown;
    try {
      parsed = params.trim() === '' ? undefined : JSON.parse(params);
    } catch {
      setProblem('Params must be JSON');
      return;
    }
    try {
      const created = await api.create(workflow, id.trim() || undefined, parsed);
      setOpen(false);
      onCreated();
      location.hash = href({ view: 'instance', workflow, id: created.id });
    } catch (failure) {
      setProblem(failure instanceof Error ? failure.message : String(failure));
    }
  };
  return (
    <>
      <button type="button" class="primary" onClick={() => (setProblem(undefined), setOpen(true))}>
        Create instance
      </button>
      <Dialog title={`Create an instance of ${workflow}`} open={open} onClose={() => setOpen(false)} onConfirm={() => void create()} confirmLabel="Create">
        <label>
          Id (empty: a random one) <input value={id} onInput={(event) => setId((event.target as HTMLInputElement).value)} />
        </label>
        <label>
          Params (JSON) <textarea rows={5} value={params} onInput={(event) => setParams((event.target as HTMLTextAreaElement).value)} />
        </label>
        {problem && (
          <p class="problem" role="alert">
            {problem}
          </p>
        )}
      </Dialog>
    </>
  );
}
