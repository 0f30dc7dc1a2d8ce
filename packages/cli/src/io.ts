// Where the CLI writes: stdout for results, stderr for progress and errors. Progress on a TTY is one
// line redrawn in place; elsewhere (pipes, CI, tests) each update is a plain line; `--quiet` drops it.

export interface CliIO {
  cwd: string;
  stdout(text: string): void;
  stderr(text: string): void;
  /** stderr is a terminal: progress redraws one line. */
  stderrIsTTY: boolean;
}

export interface Progress {
  /** A transient status (redrawn in place on a TTY). */
  update(text: string): void;
  /** A line that stays. */
  log(text: string): void;
  /** Clears the transient line. */
  done(): void;
}

export function createProgress(io: CliIO, quiet: boolean): Progress {
  if (quiet) return { update() {}, log() {}, done() {} };
  if (!io.stderrIsTTY) {
    return { update: (text) => io.stderr(`${text}\n`), log: (text) => io.stderr(`${text}\n`), done() {} };
  }
  let live = false;
  const clear = () => {
    if (live) io.stderr('\r\x1b[2K');
    live = false;
  };
  return {
    update(text) {
      clear();
      io.stderr(text);
      live = true;
    },
    log(text) {
      clear();
      io.stderr(`${text}\n`);
    },
    done: clear,
  };
}

export function processIO(): CliIO {
  return {
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stderrIsTTY: process.stderr.isTTY === true,
  };
}
