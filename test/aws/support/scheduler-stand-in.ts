// A local Amazon EventBridge Scheduler for tests: the restJson1 API that @aws-sdk/client-scheduler talks
// to (CreateSchedule `POST /schedules/{Name}`, GetSchedule `GET`, DeleteSchedule `DELETE`), on 127.0.0.1.
//
// It validates requests as the service documents them (names, groups, `at()` expressions, time zones,
// flexible time window, target, retry policy, input size) and answers errors in the service's shape
// (`x-amzn-ErrorType` + `{ Message }`; 400 ValidationException, 404 ResourceNotFoundException, 409
// ConflictException). At a one-time schedule's time it invokes the target with the schedule's Input, and
// with ActionAfterCompletion DELETE it deletes the schedule. Unlike the service it fires at the exact
// second (the service fires within the following minute), supports only `at()` schedules, evaluates them
// in UTC only, and fires at once a schedule whose time has passed.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { close, isSigned, listen, readBody, sendAwsError, sendJson } from './http.ts';

export interface ScheduleRecord {
  name: string;
  groupName: string;
  arn: string;
  expression: string;
  timezone: string;
  dueAt: number;
  request: Record<string, any>;
}

export interface SchedulerStandInOptions {
  /** Schedule groups that exist besides 'default'. */
  groups?: string[];
  /** Delivers a due schedule: the target ARN and the schedule's Input (an async Lambda invoke). */
  invoke: (targetArn: string, input: string) => void;
  /** Deliver each schedule this many times (EventBridge Scheduler delivers at least once). @default 1 */
  deliveries?: number;
  region?: string;
  accountId?: string;
}

export interface SchedulerStandIn {
  endpoint: string;
  /** Live schedules by `group/name`. */
  readonly schedules: ReadonlyMap<string, ScheduleRecord>;
  /** Every accepted CreateSchedule request, in order. */
  readonly created: readonly ScheduleRecord[];
  /** Every delivery made: schedule name and time. */
  readonly fired: readonly { name: string; at: number }[];
  /** Errors answered, by type. */
  readonly errors: readonly { type: string; message: string }[];
  stop(): Promise<void>;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const NAME = /^[0-9a-zA-Z\-_.]+$/;
const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const TARGET_ARN = /^arn:aws(-[a-z]+)?:\S+$/;
const SQS_ARN = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_]+$/;

class ServiceError extends Error {
  readonly status: number;
  readonly type: string;
  constructor(status: number, type: string, message: string) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

function invalid(field: string, value: unknown, constraint: string): ServiceError {
  return new ServiceError(
    400,
    'ValidationException',
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

function checkString(field: string, value: unknown, min: number, max: number, pattern?: RegExp, required = true): string | undefined {
  if (value === undefined || value === null) {
    if (required) throw invalid(field, null, 'Member must not be null');
    return undefined;
  }
  if (typeof value !== 'string') throw invalid(field, value, 'Member must be a string');
  if (value.length < min || value.length > max) throw invalid(field, value, `Member must have length between ${min} and ${max}`);
  if (pattern && !pattern.test(value)) throw invalid(field, value, `Member must satisfy regular expression pattern: ${pattern.source}`);
  return value;
}

function checkInt(field: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, value, `Member must have value between ${min} and ${max}`);
  }
}

function checkEnum(field: string, value: unknown, allowed: string[], required = false): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string' || !allowed.includes(value)) throw invalid(field, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
}

/** The time an `at()` expression names, in UTC. */
function parseAt(expression: string, timezone: string): number {
  const match = AT.exec(expression);
  if (!match) {
    if (/^(rate|cron)\(/.test(expression)) throw new ServiceError(400, 'ValidationException', 'This stand-in supports only one-time at() schedules');
    throw new ServiceError(400, 'ValidationException', `Invalid Schedule Expression ${expression}.`);
  }
  if (timezone !== 'UTC') throw new ServiceError(400, 'ValidationException', 'This stand-in evaluates at() in UTC only');
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const time = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(time);
  // Rejects 2025-02-30T25:61:00 and the like, which Date.UTC would roll over.
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hour ||
    date.getUTCMinutes() !== minute ||
    date.getUTCSeconds() !== second
  ) {
    throw new ServiceError(400, 'ValidationException', `Invalid Schedule Expression ${expression}.`);
  }
  return time;
}

function validTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

export async function startSchedulerStandIn(options: SchedulerStandInOptions): Promise<SchedulerStandIn> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const groups = new Set(['default', ...(options.groups ?? [])]);
  const deliveries = options.deliveries ?? 1;
  const schedules = new Map<string, ScheduleRecord>();
  const timers = new Map<string, NodeJS.Timeout>();
  const created: ScheduleRecord[] = [];
  const fired: { name: string; at: number }[] = [];
  const errors: { type: string; message: string }[] = [];

  const fire = (key: string) => {
    timers.delete(key);
    const schedule = schedules.get(key);
    if (!schedule) return;
    const target = schedule.request.Target as { Arn: string; Input?: string };
    for (let i = 0; i < deliveries; i++) {
      fired.push({ name: schedule.name, at: Date.now() });
      try {
        options.invoke(target.Arn, target.Input ?? '{}');
      } catch (error) {
        errors.push({ type: 'TargetInvocationFailed', message: String(error) });
      }
    }
    if (schedule.request.ActionAfterCompletion === 'DELETE') schedules.delete(key);
  };

  /** setTimeout holds at most ~24.8 days: far schedules re-arm until due. */
  const arm = (key: string, dueAt: number) => {
    const delay = Math.max(0, dueAt - Date.now());
    const timer = setTimeout(() => (delay > MAX_TIMER_MS ? arm(key, dueAt) : fire(key)), Math.min(delay, MAX_TIMER_MS));
    timer.unref();
    timers.set(key, timer);
  };

  const createSchedule = (name: string, body: Record<string, any>) => {
    checkString('name', name, 1, 64, NAME);
    const groupName = checkString('groupName', body.GroupName, 1, 64, NAME, false) ?? 'default';
    const expression = checkString('scheduleExpression', body.ScheduleExpression, 1, 256)!;
    const timezone = checkString('scheduleExpressionTimezone', body.ScheduleExpressionTimezone, 1, 50, undefined, false) ?? 'UTC';
    if (!validTimezone(timezone)) throw new ServiceError(400, 'ValidationException', `Invalid timezone ${timezone}.`);
    const window = body.FlexibleTimeWindow as Record<string, unknown> | undefined;
    if (!window) throw invalid('flexibleTimeWindow', null, 'Member must not be null');
    checkEnum('flexibleTimeWindow.mode', window.Mode, ['OFF', 'FLEXIBLE'], true);
    if (window.Mode === 'FLEXIBLE') {
      if (window.MaximumWindowInMinutes === undefined)
        throw new ServiceError(400, 'ValidationException', 'MaximumWindowInMinutes is required when Mode is FLEXIBLE');
      checkInt('flexibleTimeWindow.maximumWindowInMinutes', window.MaximumWindowInMinutes, 1, 1440);
    } else if (window.MaximumWindowInMinutes !== undefined) {
      throw new ServiceError(400, 'ValidationException', 'MaximumWindowInMinutes must not be set when Mode is OFF');
    }
    const target = body.Target as Record<string, any> | undefined;
    if (!target) throw invalid('target', null, 'Member must not be null');
    checkString('target.arn', target.Arn, 1, 1600, TARGET_ARN);
    checkString('target.roleArn', target.RoleArn, 1, 1600, ROLE_ARN);
    checkString('target.input', target.Input, 1, 8192, undefined, false);
    if (target.RetryPolicy) {
      checkInt('target.retryPolicy.maximumEventAgeInSeconds', target.RetryPolicy.MaximumEventAgeInSeconds, 60, 86_400);
      checkInt('target.retryPolicy.maximumRetryAttempts', target.RetryPolicy.MaximumRetryAttempts, 0, 185);
    }
    if (target.DeadLetterConfig) checkString('target.deadLetterConfig.arn', target.DeadLetterConfig.Arn, 1, 1600, SQS_ARN);
    checkEnum('actionAfterCompletion', body.ActionAfterCompletion, ['NONE', 'DELETE']);
    checkEnum('state', body.State, ['ENABLED', 'DISABLED']);
    checkString('description', body.Description, 0, 512, undefined, false);
    checkString('clientToken', body.ClientToken, 1, 64, /^[a-zA-Z0-9-_]+$/, false);
    const dueAt = parseAt(expression, timezone);
    if (!groups.has(groupName)) throw new ServiceError(404, 'ResourceNotFoundException', `Schedule group ${groupName} does not exist.`);
    const key = `${groupName}/${name}`;
    if (schedules.has(key)) throw new ServiceError(409, 'ConflictException', `Schedule ${name} already exists.`);
    const arn = `arn:aws:scheduler:${region}:${accountId}:schedule/${groupName}/${name}`;
    const record: ScheduleRecord = { name, groupName, arn, expression, timezone, dueAt, request: body };
    schedules.set(key, record);
    created.push(record);
    if (body.State !== 'DISABLED') arm(key, dueAt);
    return { ScheduleArn: arn };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const match = /^\/schedules\/([^/]+)$/.exec(url.pathname);
      if (!match) throw new ServiceError(404, 'UnknownOperationException', 'Unknown operation');
      if (!isSigned(request)) throw new ServiceError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
      const name = decodeURIComponent(match[1]!);
      const raw = (await readBody(request)).toString('utf8');
      const groupName = url.searchParams.get('groupName') ?? 'default';
      const key = `${groupName}/${name}`;
      switch (request.method) {
        case 'POST': {
          let body: Record<string, any>;
          try {
            body = raw ? (JSON.parse(raw) as Record<string, any>) : {};
          } catch {
            throw new ServiceError(400, 'ValidationException', 'Could not parse request body');
          }
          return sendJson(response, 200, createSchedule(name, body));
        }
        case 'GET': {
          const schedule = schedules.get(key);
          if (!schedule) throw new ServiceError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
          const { Target, FlexibleTimeWindow, ActionAfterCompletion, State } = schedule.request;
          return sendJson(response, 200, {
            Arn: schedule.arn,
            Name: name,
            GroupName: groupName,
            ScheduleExpression: schedule.expression,
            ScheduleExpressionTimezone: schedule.timezone,
            FlexibleTimeWindow,
            ActionAfterCompletion: ActionAfterCompletion ?? 'NONE',
            State: State ?? 'ENABLED',
            Target,
          });
        }
        case 'DELETE': {
          if (!schedules.delete(key)) throw new ServiceError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
          clearTimeout(timers.get(key));
          timers.delete(key);
          return sendJson(response, 200, {});
        }
        default:
          throw new ServiceError(404, 'UnknownOperationException', 'Unknown operation');
      }
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      errors.push({ type: error.type, message: error.message });
      sendAwsError(response, error.status, error.type, error.message);
    }
  };

  const { server, url } = await listen(handle);
  return {
    endpoint: url,
    schedules,
    created,
    fired,
    errors,
    async stop() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await close(server);
    },
  };
}
