// The logger workflow code gets as `this.logger` (a Cairn addition: Cloudflare's WorkflowEntrypoint has none, so
// code that uses it runs on Cairn only). Replay-aware: a line logged while run() re-walks the journal (before the
// last recorded step) is not written again, so a line outside steps is written once per instance, not once per
// replay. Inside a step callback it is always written: callbacks run only when their step really runs.

import type { LogFields, LogLevel, LogSink } from './logger.js';

export interface WorkflowLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** What the logger needs of a replay: where run() is, against what the journal holds. */
export interface ReplayPosition {
  readonly workflowName: string;
  readonly instanceId: string;
  /** Step calls run() has made in this replay. */
  readonly callsMade: number;
  /** The highest call index the journal holds. */
  readonly recordedCalls: number;
}

export function workflowLogger(position: ReplayPosition, sink: LogSink): WorkflowLogger {
  const log = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (position.callsMade < position.recordedCalls) return; // replaying: written the first time through
    sink.write(level, message, { workflow: position.workflowName, instance: position.instanceId, ...fields });
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
