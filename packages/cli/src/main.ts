// runCli: argv in, exit code out. 0 success, 1 an operation failed, 2 bad usage.

import { CairnError, CONCURRENCY_SLOT_WORKFLOW, UnknownWorkflowError } from '@cairn/core';
import { CLI_VERSION } from './version.js';
import { workflowsCommand } from './commands/workflows.js';
import { parseArgv, type Command, type ParsedArgs } from './args.js';
import { findConfig, loadConfig } from './config.js';
import { createContext, type CommandContext } from './context.js';
import { createProgress, type CliIO } from './io.js';
import { controlCommand } from './commands/control.js';
import { createCommand } from './commands/create.js';
import { describeCommand } from './commands/describe.js';
import { devCommand } from './commands/dev.js';
import { remoteDevCommand } from './commands/dev-remote.js';
import { remoteClient, type RemoteCredentials } from './remote/client.js';
import { remoteInstancesCommand } from './remote/commands.js';
import { doctorCommand } from './commands/doctor.js';
import { listCommand } from './commands/list.js';
import { USAGE, UsageError } from './usage.js';

export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let context: CommandContext | undefined;
  try {
    const { global, command } = parseArgv(argv);
    if (command.name === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    if (command.name === 'version') {
      io.stdout(`${CLI_VERSION}\n`);
      return 0;
    }
    if (command.name === 'doctor') return await doctorCommand(io, global.json, command.file, global.config);
    if (global.url !== undefined) return await remote(io, global as typeof global & { url: string }, command);
    const config = await loadConfig(findConfig(io.cwd, global.config));
    if (command.name === 'dev') {
      warnIfOpen(io, command.host);
      return await devCommand(io, config, { port: command.port, host: command.host });
    }
    context = createContext(config, io, createProgress(io, global.quiet), global.json);
    if (command.name === 'workflows') {
      await workflowsCommand(context, config);
      return 0;
    }
    assertKnownWorkflow(context, command);
    return await dispatch(context, command);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`cairn: ${error.message}\nRun "cairn --help" for usage.\n`);
      return 2;
    }
    if (CairnError.is(error)) {
      io.stderr(`cairn: ${error.message}\n`);
      return 1;
    }
    io.stderr(`cairn: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  } finally {
    if (context) {
      await context.runtime.close().catch(() => undefined);
      await context.store.close?.().catch(() => undefined);
    }
  }
}

/** Runs the command; resolves to its exit code. */
function warnIfOpen(io: CliIO, host: string): void {
  if (host === '0.0.0.0') io.stderr('cairn dev: warning: serving on every interface (0.0.0.0) without authentication\n');
}

/** The deployed host's credentials, from the environment variables named (defaults: CAIRN_HMAC_SECRET, CAIRN_TOKEN). */
function remoteCredentials(global: ParsedArgs['global']): RemoteCredentials {
  const read = (name: string, flag: string | undefined) => {
    const value = process.env[name];
    if (flag && !value) throw new UsageError(`The environment variable ${name} (named by ${flag}) is not set`);
    return value || undefined;
  };
  if (global.tokenEnv !== undefined) return { token: read(global.tokenEnv, '--token-env') };
  const hmacSecret = read(global.hmacSecretEnv ?? 'CAIRN_HMAC_SECRET', global.hmacSecretEnv === undefined ? undefined : '--hmac-secret-env');
  if (hmacSecret) return { hmacSecret };
  const token = read('CAIRN_TOKEN', undefined);
  return token ? { token } : {};
}

/** A command with `--url`: `dev` explores the host, `instances …` work on it; nothing else applies. */
async function remote(io: CliIO, global: ParsedArgs['global'] & { url: string }, command: Command): Promise<number> {
  const credentials = remoteCredentials(global);
  if (command.name === 'dev') {
    warnIfOpen(io, command.host);
    return remoteDevCommand(io, { port: command.port, host: command.host, url: global.url, credentials });
  }
  if (command.name === 'workflows' || command.name === 'doctor' || command.name === 'help' || command.name === 'version') {
    throw new UsageError(`--url applies to "instances" and "dev" commands, not to "${command.name}"`);
  }
  return remoteInstancesCommand(io, remoteClient(global.url, credentials), command, global.json);
}

type InstanceCommand = Exclude<Command, { name: 'help' | 'version' | 'workflows' | 'doctor' | 'dev' }>;

/** A command naming a workflow the config does not bind fails as such (not as "instance not found"), listing the bound ones. */
function assertKnownWorkflow(context: CommandContext, command: InstanceCommand): void {
  const workflow = 'workflow' in command ? command.workflow : undefined;
  if (workflow === undefined || workflow === CONCURRENCY_SLOT_WORKFLOW) return;
  if (!context.runtime.workflowNames.includes(workflow)) throw new UnknownWorkflowError(workflow, context.runtime.workflowNames);
}

async function dispatch(context: CommandContext, command: InstanceCommand): Promise<number> {
  switch (command.name) {
    case 'list':
      await listCommand(context, command);
      return 0;
    case 'describe':
      await describeCommand(context, command);
      return 0;
    case 'create':
      return createCommand(context, command);
    default:
      await controlCommand(context, command);
      return 0;
  }
}
