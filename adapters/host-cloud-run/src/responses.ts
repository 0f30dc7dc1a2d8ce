// JSON responses in the REST API's error shape: `{ error: { code, name, message } }`.

import { toJsonText } from '@cairn/core';

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(toJsonText(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

export function problem(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return json(status, { error: { code, name: 'HttpProblem', message } }, headers);
}
