// The selected step: its type, times, config, attempts (with errors), output or the event it received.

import { formatDuration, formatTime, shorten } from '../format.ts';
import type { TimelineRow } from './timeline-model.ts';

export function StepDetails({ row }: { row: TimelineRow }) {
  const { step } = row;
  return (
    <div class="step-details" aria-live="polite">
      <h3>
        {step.name} <span class="muted">({step.type === 'waitForEvent' ? 'event wait' : step.type})</span> — {row.state}
      </h3>
      <p>
        {formatTime(step.start)} → {step.end ? formatTime(step.end) : 'now'} · {formatDuration(row.to - row.from)}
      </p>
      {step.type === 'step' && (
        <p class="muted">
          retries: up to {step.config.retries.limit}, delay {String(step.config.retries.delay)}, {step.config.retries.backoff}; timeout{' '}
          {String(step.config.timeout)}
        </p>
      )}
      {(step.type === 'step' || step.type === 'rollback') && step.attempts.length > 0 && (
        <table class="grid compact">
          <thead>
            <tr>
              <th scope="col">Attempt</th>
              <th scope="col">Start</th>
              <th scope="col">Duration</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {step.attempts.map((attempt, i) => (
              <tr key={i}>
                <td>{i + 1}</td>
                <td>{formatTime(attempt.start)}</td>
                <td>{attempt.start && attempt.end ? formatDuration(Date.parse(attempt.end) - Date.parse(attempt.start)) : '–'}</td>
                <td class={attempt.success ? '' : 'error-text'}>
                  {attempt.success ? 'completed' : attempt.error ? `${attempt.error.name}: ${attempt.error.message}` : 'failed'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {step.type === 'step' && step.output !== undefined && <pre class="value">{shorten(step.output, 4000)}</pre>}
      {step.type === 'waitForEvent' && step.output && (
        <pre class="value">
          {step.output.type} at {formatTime(step.output.timestamp)}: {shorten(step.output.payload, 4000)}
        </pre>
      )}
      {step.type === 'waitForEvent' && step.error && <p class="error-text">{step.error.message}</p>}
    </div>
  );
}
