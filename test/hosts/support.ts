// What the host conformance harnesses share: a scheduler that records wake requests instead of delivering
// them, and HTTP answers read as the suite wants them.

import type { Scheduler, WakeRequest } from '@cairn/core';
import type { HttpAnswer, WakeAnswer } from '@cairn/testkit';

export function outboxScheduler(): Scheduler & { requests: WakeRequest[] } {
  const requests: WakeRequest[] = [];
  return { name: 'outbox', requests, schedule: async (wake) => void requests.push({ ...wake }) };
}

export async function httpAnswer(response: Response): Promise<HttpAnswer> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** A wake endpoint's answer: 200 with the outcome, 503 busy, 401/403 refused, any other 4xx/5xx a typed error. */
export function wakeAnswer(answer: HttpAnswer): WakeAnswer {
  if (answer.status === 200) return { kind: 'outcome', outcome: answer.body.outcome };
  if (answer.status === 503 && answer.body?.error?.code === 'instance_busy') return { kind: 'outcome', outcome: 'busy' };
  if (answer.status === 401 || answer.status === 403) return { kind: 'refused', status: answer.status };
  return { kind: 'error', code: answer.body?.error?.code ?? `http_${answer.status}`, status: answer.status };
}

/** The body as the request carries it: a string as is, anything else as JSON. */
export function bodyText(body: unknown): string | undefined {
  return body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
}
