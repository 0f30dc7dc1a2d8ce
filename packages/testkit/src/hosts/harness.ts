// What a host author gives `describeHostConformance`: a host built around the suite's workflows, and ways to
// reach it as its platform would (a wake delivery, a REST request), each answer normalised.

import type { Runtime, WakeMessage, WakeRequest, WorkflowRegistration } from '@cairn/core';

/** How a host answered a wake delivery: the outcome it reported, a refusal (401/403), or a typed error (code). */
export type WakeAnswer = { kind: 'outcome'; outcome: string } | { kind: 'refused'; status: number } | { kind: 'error'; code: string; status?: number };

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when empty. */
  body: any;
}

export interface HostRequest {
  method: string;
  path: string;
  /** Sent as is (a string), or as JSON. */
  body?: unknown;
  /** @default 'application/json' when there is a body */
  contentType?: string;
}

export interface HostSetup {
  /** Register these, exactly, under these names. */
  workflows: Record<string, WorkflowRegistration>;
  /** Give workflows this `env`. */
  env: Record<string, unknown>;
  /** Give each wake delivery and sweep this much time (the host's own budget: an invocation, a request timeout). */
  budgetMs: number;
  /** Stop starting steps this long before the budget ends. */
  safetyMarginMs: number;
}

export interface HostHarness {
  /** The runtime the host runs. Its scheduler must record wake requests for `scheduled()` rather than deliver them. */
  runtime: Pick<Runtime<any>, 'workflow' | 'store' | 'clock'>;
  /** Every wake request the runtime made so far, oldest first (the suite delivers them). */
  scheduled(): WakeRequest[];
  /** Delivers a wake message as the host's scheduler would, with valid credentials. */
  deliver(message: WakeMessage): Promise<WakeAnswer>;
  /** A REST request as an authorised operator sends it. Absent when the host serves no REST API. */
  request?(request: HostRequest): Promise<HttpAnswer>;
  /** For hosts that authenticate: requests with bad credentials, each named; each must be refused and change nothing. */
  forged?: Array<{ name: string; send(request: HostRequest): Promise<HttpAnswer> }>;
  close(): Promise<void>;
}

export type HostFactory = (setup: HostSetup) => Promise<HostHarness>;

export interface HostConformanceOptions {
  /** @default 30_000 */
  timeoutMs?: number;
}
