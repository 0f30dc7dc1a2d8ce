// Spans: `cairn.create` around a new instance's write (its context is recorded on the instance), `cairn.replay`
// per replay, `cairn.step <name>` per step attempt (and per sleep, wait and rollback), and a host's span around
// a wake or a sweep. A replay joins the instance's recorded trace as a child: the trace of an instance that slept
// a day holds both days. When the host's span is in another trace (a sweep's), the replay links to it instead.

import type { Context, Link, Span, SpanContext, Tracer } from '@opentelemetry/api';
import type { InstanceRecord } from '../records.js';
import type { InstanceRef } from '../store.js';
import type { StepEndInfo, StepStartInfo } from '../hooks/types.js';
import { stepKey } from '../journal/keys.js';
import { refKey } from '../shared/refs.js';
import { formatTraceParent, parseTraceParent } from '../shared/trace-parent.js';
import type { OtelApi } from './otel-api.js';
import type { ReplayEnd, TelemetryAttributes } from './types.js';
import { ATTR } from './attributes.js';

interface ReplaySpan {
  span: Span;
  /** The replay span's context: the parent of its step attempts. */
  context: Context;
  /** The instance's trace (recorded at create), or the replay's: the parent of sleeps and waits, which outlive a replay. */
  instance: Context;
  /** Attempts in progress, by `<key>#<attempt>`. */
  attempts: Map<string, Span>;
}

export class Tracing {
  private readonly replays = new Map<string, ReplaySpan>();

  constructor(
    private readonly api: OtelApi,
    private readonly tracer: Tracer,
    private readonly runner: string,
  ) {}

  replayRequested(): Context {
    return this.api.context.active();
  }

  sessionStarted(instance: InstanceRecord, requested: Context): void {
    const { api } = this;
    const recorded = this.contextOf(instance.trace);
    const active = api.trace.getSpanContext(requested);
    const activeValid = active !== undefined && api.trace.isSpanContextValid(active);
    const joinsActive = !recorded || (activeValid && active.traceId === api.trace.getSpanContext(recorded)!.traceId);
    const parent = joinsActive ? requested : recorded;
    const links: Link[] | undefined = !joinsActive && activeValid ? [{ context: active }] : undefined;
    const span = this.tracer.startSpan(
      'cairn.replay',
      {
        attributes: { [ATTR.workflow]: instance.workflowName, [ATTR.instance]: instance.instanceId, [ATTR.runner]: this.runner },
        ...(links ? { links } : {}),
      },
      parent,
    );
    const context = api.trace.setSpan(parent, span);
    this.replays.set(refKey(instance), { span, context, instance: recorded ?? context, attempts: new Map() });
  }

  replayEnded(ref: InstanceRef, report: ReplayEnd | undefined, error?: unknown): void {
    const key = refKey(ref);
    const replay = this.replays.get(key);
    if (!replay) return;
    this.replays.delete(key);
    // An attempt whose outcome was never recorded (the lease was lost under it): ended, marked so.
    for (const span of replay.attempts.values()) {
      span.setAttribute(ATTR.stepOutcome, 'unrecorded');
      span.end();
    }
    if (report) replay.span.setAttribute(ATTR.replayOutcome, report.outcome);
    if (error !== undefined) this.failed(replay.span, error);
    else if (report?.outcome === 'errored' && report.error) this.failed(replay.span, report.error);
    replay.span.end();
  }

  onStepStart(info: StepStartInfo): void {
    if (info.kind !== 'do') return; // sleeps and waits can outlive the replay: their spans are made when they end
    const replay = this.replays.get(refKey(info.ref));
    if (!replay) return;
    const span = this.tracer.startSpan(`cairn.step ${info.name}`, { attributes: stepAttributes(info.name, 'do', info.attempt) }, replay.context);
    replay.attempts.set(`${stepKey('do', info.name, info.count)}#${info.attempt}`, span);
  }

  runAttempt<T>(ref: InstanceRef, key: string, attempt: number, callback: () => T): T {
    const replay = this.replays.get(refKey(ref));
    const span = replay?.attempts.get(`${key}#${attempt}`);
    if (!replay || !span) return callback();
    return this.api.context.with(this.api.trace.setSpan(replay.context, span), callback);
  }

  onStepEnd(info: StepEndInfo): void {
    const replay = this.replays.get(refKey(info.ref));
    if (!replay) return;
    const attemptKey = `${info.record.key}#${info.attempt}`;
    let span = info.kind === 'do' ? replay.attempts.get(attemptKey) : undefined;
    if (span) replay.attempts.delete(attemptKey);
    else {
      // A sleep, a wait or a rollback: made now, started when it began (a sleep's may be days ago, in another process).
      const parent = info.kind === 'sleep' || info.kind === 'wait' ? replay.instance : replay.context;
      const startTime = Date.now() - info.durationMs;
      span = this.tracer.startSpan(`cairn.step ${info.name}`, { attributes: stepAttributes(info.name, info.kind, info.attempt), startTime }, parent);
    }
    span.setAttribute(ATTR.stepOutcome, info.outcome);
    if (info.error) this.failed(span, info.error);
    span.end();
  }

  async create<T>(record: InstanceRecord, write: () => Promise<T>): Promise<T> {
    const { api } = this;
    const active = api.context.active();
    const span = this.tracer.startSpan('cairn.create', { attributes: { [ATTR.workflow]: record.workflowName, [ATTR.instance]: record.instanceId } }, active);
    const spanContext = span.spanContext();
    if (api.trace.isSpanContextValid(spanContext)) record.trace = formatTraceParent(spanContext);
    return this.within(span, api.trace.setSpan(active, span), write);
  }

  async hostWork<T>(name: string, trace: string | undefined, attributes: TelemetryAttributes, work: () => Promise<T>): Promise<T> {
    const parent = this.contextOf(trace) ?? this.api.context.active();
    const span = this.tracer.startSpan(name, { kind: this.api.SpanKind.CONSUMER, attributes }, parent);
    return this.within(span, this.api.trace.setSpan(parent, span), work);
  }

  private async within<T>(span: Span, context: Context, work: () => Promise<T>): Promise<T> {
    try {
      return await this.api.context.with(context, work);
    } catch (error) {
      this.failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  private failed(span: Span, error: unknown): void {
    const { name, message } = describe(error);
    span.recordException({ name, message });
    span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: `${name}: ${message}` });
  }

  /** The context of a recorded traceparent, as a remote parent; undefined for none (or a malformed one). */
  private contextOf(trace: string | undefined): Context | undefined {
    const parts = parseTraceParent(trace);
    if (!parts) return undefined;
    const spanContext: SpanContext = { ...parts, isRemote: true };
    return this.api.trace.setSpanContext(this.api.ROOT_CONTEXT, spanContext);
  }
}

function stepAttributes(name: string, kind: string, attempt: number): TelemetryAttributes {
  return { [ATTR.stepName]: name, [ATTR.stepKind]: kind === 'wait' ? 'waitForEvent' : kind, [ATTR.stepAttempt]: attempt };
}

function describe(error: unknown): { name: string; message: string } {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const { name, message } = error as { name?: unknown; message?: unknown };
    return { name: typeof name === 'string' ? name : 'Error', message: String(message) };
  }
  return { name: 'Error', message: String(error) };
}
