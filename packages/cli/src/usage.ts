// Usage text and the usage error (exit code 2): a bad command, flag or argument value.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: cairn instances <command> [arguments] [options]
       cairn workflows list [options]
       cairn dev [--port <n>] [--host <address>] [--url <host url>] [options]
       cairn doctor [<file>] [options]

Commands:
  list                                  List instances, newest first
      --workflow <name>                 Only this workflow
      --status <status>                 Only this status (queued, running, paused, errored,
                                        terminated, complete, waiting, waitingForPause)
      --limit <n>                       Page size (1-1000, default 20)
      --cursor <cursor>                 Continue from a previous page
      --all                             Every page (progress on stderr)
  describe <workflow> <id>              Status, output or error, and the step timeline
  create <workflow>                     Create an instance (the runner picks it up)
      --id <id>                         Instance id (default: a random UUID)
      --params <json|@file>             Params as JSON, or @path to a JSON file
      --wait                            Run it in this process until it completes, fails
                                        or waits for an event (progress on stderr)
  send-event <workflow> <id>            Send an event to an instance
      --type <type>                     Event type (required)
      --payload <json|@file>            Payload as JSON, or @path to a JSON file
  pause <workflow> <id>                 Pause an instance
  resume <workflow> <id>                Resume a paused instance
  terminate <workflow> <id>             Terminate an instance
      --rollback                        Run its steps' rollbacks first (the runner does)
  restart <workflow> <id>               Run an instance again from the start
      --from <step>                     Keep the steps recorded before this step
  delete <workflow> <id>                Delete an instance and its journal (a running
                                        instance stops; no rollback runs)

  dev                                   Run the config's workflows (recovery, wake-ups, cron) and serve
                                        Cloudflare's local explorer API, for wrangler workflows … --local
      --port <n>                        Port (default 8787; 0 picks a free one)
      --host <address>                  127.0.0.1 (default), localhost or ::1; 0.0.0.0 serves
                                        every interface, unauthenticated (a warning says so)
      --url <host url>                  Explore a deployed host instead (see below)

  doctor [<file>]                       Check an SQLite journal with PRAGMA integrity_check
                                        (default: the config's SQLite database); exit 1 if damaged

Options (every command):
  --config <file>                       cairn.config.ts or cairn.config.json
                                        (default: the one in the current directory)
  --json                                Machine-readable output on stdout
  --quiet                               No progress on stderr
  --url <host url>                      Work on a deployed host (Lambda, Cloud Run, Node) through its
                                        explorer API instead of the config's store (instances and dev;
                                        no config is read): requests signed with $CAIRN_HMAC_SECRET, or
                                        sent with the bearer token $CAIRN_TOKEN (an OIDC ID token)
  --hmac-secret-env <name>              Read the HMAC secret from this variable instead
  --token-env <name>                    Read the bearer token from this variable instead
  -v, --version                         The CLI's version
  -h, --help                            This help

Exit codes: 0 success, 1 operation failed (message on stderr), 2 bad usage.
`;
