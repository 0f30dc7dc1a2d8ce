// argv -> a validated command. util.parseArgs splits flags; zod checks each command's arguments, and
// every failure names the argument (a UsageError, exit code 2).

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { InstanceStatusSchema } from '@cairn/core';
import { UsageError } from './usage.js';

interface GlobalOptions {
  config?: string;
  json: boolean;
  quiet: boolean;
  /** A deployed host to work on instead of the config's store (`instances` and `dev`). */
  url?: string;
  hmacSecretEnv?: string;
  tokenEnv?: string;
}

export type Command =
  | { name: 'help' }
  | { name: 'version' }
  | { name: 'workflows' }
  | { name: 'doctor'; file?: string }
  | { name: 'dev'; port: number; host: string }
  | { name: 'list'; workflow?: string; status?: z.infer<typeof InstanceStatusSchema>; limit: number; cursor?: string; all: boolean }
  | { name: 'describe'; workflow: string; id: string; full: boolean }
  | { name: 'create'; workflow: string; id?: string; params: unknown; wait: boolean }
  | { name: 'send-event'; workflow: string; id: string; type: string; payload: unknown }
  | { name: 'pause' | 'resume' | 'delete'; workflow: string; id: string }
  | { name: 'terminate'; workflow: string; id: string; rollback: boolean }
  | { name: 'restart'; workflow: string; id: string; from?: string };

export interface ParsedArgs {
  global: GlobalOptions;
  command: Command;
}

const OPTIONS = {
  config: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  full: { type: 'boolean' },
  workflow: { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  all: { type: 'boolean' },
  id: { type: 'string' },
  params: { type: 'string' },
  wait: { type: 'boolean' },
  type: { type: 'string' },
  payload: { type: 'string' },
  from: { type: 'string' },
  rollback: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  url: { type: 'string' },
  'hmac-secret-env': { type: 'string' },
  'token-env': { type: 'string' },
} as const;

type OptionName = keyof typeof OPTIONS;
const GLOBAL: OptionName[] = ['config', 'json', 'quiet', 'help', 'version', 'url', 'hmac-secret-env', 'token-env'];

/** Flags each command accepts besides the global ones, and its positional arguments. */
const COMMANDS: Record<Exclude<Command['name'], 'help' | 'version' | 'workflows' | 'doctor' | 'dev'>, { flags: OptionName[]; positionals: string[] }> = {
  list: { flags: ['workflow', 'status', 'limit', 'cursor', 'all'], positionals: [] },
  describe: { flags: ['full'], positionals: ['workflow', 'id'] },
  create: { flags: ['id', 'params', 'wait'], positionals: ['workflow'] },
  'send-event': { flags: ['type', 'payload'], positionals: ['workflow', 'id'] },
  pause: { flags: [], positionals: ['workflow', 'id'] },
  resume: { flags: [], positionals: ['workflow', 'id'] },
  terminate: { flags: ['rollback'], positionals: ['workflow', 'id'] },
  delete: { flags: [], positionals: ['workflow', 'id'] },
  restart: { flags: ['from'], positionals: ['workflow', 'id'] },
};

const Name = z.string().min(1, 'must not be empty');
const Limit = z
  .string()
  .regex(/^\d+$/, 'must be a whole number')
  .transform(Number)
  .pipe(z.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000'));

export function parseArgv(argv: readonly string[]): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const { values, positionals } = parsed;
  const global: GlobalOptions = { json: values.json ?? false, quiet: values.quiet ?? false };
  if (values.config !== undefined) global.config = check('--config', Name, values.config);
  readRemoteOptions(global, values);

  const [group, sub, ...rest] = positionals;
  if (values.version) return { global, command: { name: 'version' } };
  if (values.help || group === undefined || group === 'help') return { global, command: { name: 'help' } };
  if (group === 'workflows') return { global, command: workflowsCommand(values, sub, rest) };
  if (group === 'doctor') return { global, command: doctorCommand(values, sub, rest) };
  if (group === 'dev') return { global, command: devCommand(values, sub) };
  if (group !== 'instances') throw new UsageError(`Unknown command "${group}" (expected "instances", "workflows", "dev" or "doctor")`);
  if (sub === undefined)
    throw new UsageError('Missing command after "instances" (list, describe, create, send-event, pause, resume, terminate, restart, delete)');
  if (!Object.hasOwn(COMMANDS, sub)) throw new UsageError(`Unknown command "instances ${sub}"`);
  const name = sub as keyof typeof COMMANDS;
  const spec = COMMANDS[name];

  for (const flag of Object.keys(values) as OptionName[]) {
    if (!GLOBAL.includes(flag) && !spec.flags.includes(flag)) {
      throw new UsageError(`Option --${flag} does not apply to "instances ${name}"`);
    }
  }
  if (rest.length < spec.positionals.length) {
    throw new UsageError(`Missing argument <${spec.positionals[rest.length]}> for "instances ${name}"`);
  }
  if (rest.length > spec.positionals.length) {
    throw new UsageError(`Unexpected argument "${rest[spec.positionals.length]}" for "instances ${name}"`);
  }
  const workflow = () => check('<workflow>', Name, rest[0]);
  const id = () => check('<id>', Name, rest[1]);

  switch (name) {
    case 'list': {
      const command: Command = { name, limit: values.limit === undefined ? 20 : check('--limit', Limit, values.limit), all: values.all ?? false };
      if (values.workflow !== undefined) command.workflow = check('--workflow', Name, values.workflow);
      if (values.status !== undefined) command.status = check('--status', InstanceStatusSchema, values.status);
      if (values.cursor !== undefined) command.cursor = check('--cursor', Name, values.cursor);
      if (command.all && command.cursor !== undefined) throw new UsageError('--all and --cursor cannot be combined');
      return { global, command };
    }
    case 'describe':
      return { global, command: { name, workflow: workflow(), id: id(), full: values.full ?? false } };
    case 'pause':
    case 'resume':
    case 'delete':
      return { global, command: { name, workflow: workflow(), id: id() } };
    case 'terminate':
      return { global, command: { name, workflow: workflow(), id: id(), rollback: values.rollback ?? false } };
    case 'create': {
      const command: Command = {
        name,
        workflow: workflow(),
        params: values.params === undefined ? undefined : jsonArgument('--params', values.params),
        wait: values.wait ?? false,
      };
      if (values.id !== undefined) command.id = check('--id', Name, values.id);
      return { global, command };
    }
    case 'send-event': {
      if (values.type === undefined) throw new UsageError('Missing option --type for "instances send-event"');
      const payload = values.payload === undefined ? undefined : jsonArgument('--payload', values.payload);
      return { global, command: { name, workflow: workflow(), id: id(), type: check('--type', Name, values.type), payload } };
    }
    case 'restart': {
      const command: Command = { name, workflow: workflow(), id: id() };
      if (values.from !== undefined) command.from = check('--from', Name, values.from);
      return { global, command };
    }
  }
}

const Port = z
  .string()
  .regex(/^\d+$/, 'must be a whole number')
  .transform(Number)
  .pipe(z.number().int().min(0, 'must be 0 to 65535').max(65_535, 'must be 0 to 65535'));
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const DEV_FLAGS = ['port', 'host'];

/** `cairn dev [--port <n>] [--host <address>]`: loopback only, unless told `--host 0.0.0.0` (every interface). */
function devCommand(values: Record<string, unknown>, extra: string | undefined): Command {
  for (const flag of Object.keys(values)) {
    if (!GLOBAL.includes(flag as OptionName) && !DEV_FLAGS.includes(flag)) throw new UsageError(`Option --${flag} does not apply to "dev"`);
  }
  if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}" for "dev"`);
  const host = values.host === undefined ? '127.0.0.1' : check('--host', Name, values.host);
  if (!LOOPBACK.has(host) && host !== '0.0.0.0') {
    throw new UsageError(
      `Invalid --host ${JSON.stringify(host)}: cairn dev serves without authentication, so only 127.0.0.1, localhost, ::1 or, deliberately, 0.0.0.0`,
    );
  }
  return { name: 'dev', port: values.port === undefined ? 8787 : check('--port', Port, values.port), host };
}

/** `--url` and the variables its credentials are read from (never the credentials themselves). */
function readRemoteOptions(global: GlobalOptions, values: Record<string, unknown>): void {
  if (values.url !== undefined) global.url = check('--url', z.url({ protocol: /^https?$/ }), values.url);
  if (values['hmac-secret-env'] !== undefined) global.hmacSecretEnv = check('--hmac-secret-env', Name, values['hmac-secret-env']);
  if (values['token-env'] !== undefined) global.tokenEnv = check('--token-env', Name, values['token-env']);
  if (global.url === undefined && (global.hmacSecretEnv ?? global.tokenEnv) !== undefined)
    throw new UsageError('--hmac-secret-env and --token-env go with --url');
  if (global.hmacSecretEnv !== undefined && global.tokenEnv !== undefined) throw new UsageError('Give --hmac-secret-env or --token-env, not both');
  if (global.url !== undefined && global.config !== undefined)
    throw new UsageError('--url and --config cannot be combined: --url works on the host, not on a store');
}

/** `cairn workflows list`: the config's workflows and their instances by status. */
function workflowsCommand(values: Record<string, unknown>, sub: string | undefined, rest: string[]): Command {
  if (sub !== 'list') throw new UsageError(sub === undefined ? 'Missing command after "workflows" (list)' : `Unknown command "workflows ${sub}"`);
  for (const flag of Object.keys(values)) {
    if (!GLOBAL.includes(flag as OptionName)) throw new UsageError(`Option --${flag} does not apply to "workflows list"`);
  }
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}" for "workflows list"`);
  return { name: 'workflows' };
}

/** `cairn doctor [<file>]`: the SQLite file to check, or the config's. */
function doctorCommand(values: Record<string, unknown>, file: string | undefined, rest: string[]): Command {
  for (const flag of Object.keys(values)) {
    if (!GLOBAL.includes(flag as OptionName)) throw new UsageError(`Option --${flag} does not apply to "doctor"`);
  }
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}" for "doctor"`);
  return file === undefined ? { name: 'doctor' } : { name: 'doctor', file: check('<file>', Name, file) };
}

function check<T>(argument: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const detail = issue?.code === 'invalid_value' ? `expected one of ${issue.values.join(', ')}` : (issue?.message ?? 'invalid');
  throw new UsageError(`Invalid ${argument} ${JSON.stringify(value)}: ${detail}`);
}

/** JSON text, or `@path` to a file holding JSON (relative to the working directory). */
function jsonArgument(argument: string, text: string): unknown {
  let source = text;
  if (text.startsWith('@')) {
    const file = resolve(text.slice(1));
    try {
      source = readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`Cannot read ${argument} file ${file}: ${(error as Error).message}`);
    }
  }
  try {
    return JSON.parse(source);
  } catch (error) {
    throw new UsageError(`Invalid ${argument}: not valid JSON (${(error as Error).message})`);
  }
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Node's messages name the flag; keep their first sentence, without the hint about "--" separators.
  return message.split(/\. To specify| To specify/)[0]!.trim();
}
