// The fields of the restart and send-event dialogs.

import type { InstanceDetails } from '../api.ts';

export interface ActionInput {
  rollback: boolean;
  from: string;
  eventType: string;
  payload: string;
}

type FieldsProps = { input: ActionInput; change: (patch: Partial<ActionInput>) => void };

export function RestartFields({ details, input, change }: FieldsProps & { details: InstanceDetails }) {
  return (
    <label>
      From step{' '}
      <select value={input.from} onChange={(event) => change({ from: (event.target as HTMLSelectElement).value })}>
        <option value="">the start</option>
        {details.steps.map((step) => (
          <option key={step.name} value={step.name}>
            {step.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function EventFields({ input, change }: FieldsProps) {
  return (
    <>
      <label>
        Type <input required value={input.eventType} onInput={(event) => change({ eventType: (event.target as HTMLInputElement).value })} />
      </label>
      <label>
        Payload (JSON) <textarea rows={4} value={input.payload} onInput={(event) => change({ payload: (event.target as HTMLTextAreaElement).value })} />
      </label>
    </>
  );
}
