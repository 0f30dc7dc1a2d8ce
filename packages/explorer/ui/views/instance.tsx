// One instance: status and times, params, output or error, the actions, the events it received, and its step
// timeline. Live: polled every second until it finishes.

import { api } from '../api.ts';
import { formatDuration, formatTime, shorten } from '../format.ts';
import { usePolling } from '../poll.ts';
import { Actions } from './actions.tsx';
import { Problem, StatusBadge } from './status.tsx';
import { Timeline } from './timeline.tsx';

const FINISHED = new Set(['complete', 'errored', 'terminated']);

export function InstanceView({ workflow, id }: { workflow: string; id: string }) {
  const { data, error, reload } = usePolling(
    () => api.instance(workflow, id),
    `${workflow}|${id}`,
    (details) => !FINISHED.has(details.status),
  );
  if (!data) return <Problem message={error} />;
  const start = data.start ?? data.queued;
  const elapsed = (data.end ? Date.parse(data.end) : Date.now()) - Date.parse(start);
  return (
    <section>
      <h1>
        {id} <StatusBadge status={data.status} />
      </h1>
      <Problem message={error} />
      <dl class="facts">
        <dt>Queued</dt>
        <dd>{formatTime(data.queued)}</dd>
        <dt>Started</dt>
        <dd>{formatTime(data.start)}</dd>
        <dt>Ended</dt>
        <dd>{formatTime(data.end)}</dd>
        <dt>Duration</dt>
        <dd>
          {formatDuration(elapsed)}
          {data.end ? '' : ' so far'}
        </dd>
        <dt>Steps</dt>
        <dd>{data.step_count}</dd>
        {data.version !== undefined && (
          <>
            <dt>Version</dt>
            <dd>{data.version}</dd>
          </>
        )}
      </dl>
      <Actions workflow={workflow} id={id} details={data} onDone={reload} />
      <h2>Params</h2>
      <pre class="value">{JSON.stringify(data.params, null, 2)}</pre>
      {data.output !== null && data.output !== undefined && (
        <>
          <h2>Output</h2>
          <pre class="value">{JSON.stringify(data.output, null, 2)}</pre>
        </>
      )}
      {data.error && (
        <>
          <h2>Error</h2>
          <pre class="value error-text">
            {data.error.name}: {data.error.message}
          </pre>
        </>
      )}
      <h2>Events received</h2>
      {data.events && data.events.length > 0 ? (
        <ul class="events">
          {data.events.map((event, i) => (
            <li key={i}>
              <strong>{event.type}</strong> at {formatTime(event.timestamp)} <code>{shorten(event.payload, 120)}</code>
            </li>
          ))}
        </ul>
      ) : (
        <p>None.</p>
      )}
      <h2>Timeline</h2>
      <Timeline details={data} />
    </section>
  );
}
