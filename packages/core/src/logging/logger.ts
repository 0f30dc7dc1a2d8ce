// The logger a runtime writes to (`createRuntime({ logger, logLevel })`): console-shaped (`info(message, ...)`)
// or pino-shaped (`info(fields, message)`, told apart by its `child` function and `level` string). Records are
// structured: a message and fields (workflow, instance, step, attempt, outcome...).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

type LogMethod = (...args: unknown[]) => unknown;

/** console, pino, or anything with these four methods. */
export interface CairnLogger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

export type LogFields = Record<string, unknown>;

export interface LogSink {
  /** Whether records of this level are written (below the threshold they cost nothing). */
  enabled(level: LogLevel): boolean;
  write(level: LogLevel, message: string, fields: LogFields): void;
}

const RANK: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

function isPinoShaped(logger: CairnLogger): boolean {
  const shaped = logger as CairnLogger & { child?: unknown; level?: unknown };
  return typeof shaped.child === 'function' && typeof shaped.level === 'string';
}

/** `prefix` starts each console-shaped line (Cairn's records: `[cairn] `; workflow code's lines: none). */
export function createLogSink(logger: CairnLogger, threshold: LogLevel | 'silent', prefix = '[cairn] '): LogSink {
  const pino = isPinoShaped(logger);
  return {
    enabled: (level) => RANK[level] >= RANK[threshold],
    write(level, message, fields) {
      if (RANK[level] < RANK[threshold]) return;
      try {
        if (pino) logger[level](fields, message);
        else logger[level](`${prefix}${message}`, fields);
      } catch {
        // A logger that throws must not break what it was told about.
      }
    },
  };
}
