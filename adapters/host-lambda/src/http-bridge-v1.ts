// API Gateway REST API (payload 1.0) and Application Load Balancer events to fetch Requests, and fetch Responses
// back to their result shapes. The two differ in two ways that matter: API Gateway decodes query values and ALB
// passes them as received; ALB wants a status description, and multi-value headers back when it sent them.

import { STATUS_CODES } from 'node:http';
import type { HttpEventV1 } from './events.js';
import { isTextType } from './http-bridge.js';

/** An API Gateway REST (`APIGatewayProxyResult`) or ALB (`ALBResult`) response. */
export interface HttpResultV1 {
  statusCode: number;
  statusDescription?: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}

function queryOf(event: HttpEventV1, source: 'rest' | 'alb'): string {
  const pairs: Array<[string, string]> = [];
  const multi = event.multiValueQueryStringParameters;
  if (multi) {
    for (const [name, values] of Object.entries(multi)) for (const value of values ?? []) pairs.push([name, value]);
  } else {
    for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) if (value != null) pairs.push([name, value]);
  }
  if (pairs.length === 0) return '';
  // ALB forwards the query as the client sent it (still percent-encoded); API Gateway hands over decoded values.
  if (source === 'alb') return `?${pairs.map(([name, value]) => `${name}=${value}`).join('&')}`;
  return `?${new URLSearchParams(pairs).toString()}`;
}

export function eventV1ToRequest(event: HttpEventV1, source: 'rest' | 'alb'): Request {
  const headers = new Headers();
  if (event.multiValueHeaders) {
    for (const [name, values] of Object.entries(event.multiValueHeaders)) for (const value of values ?? []) headers.append(name, value);
  } else {
    for (const [name, value] of Object.entries(event.headers ?? {})) if (value != null) headers.set(name, value);
  }
  const host = event.requestContext?.domainName ?? headers.get('host') ?? 'lambda.local';
  const method = event.httpMethod.toUpperCase();
  let body: string | Uint8Array | undefined;
  if (event.body != null && event.body !== '' && method !== 'GET' && method !== 'HEAD') {
    body = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
  }
  return new Request(`https://${host}${event.path}${queryOf(event, source)}`, { method, headers, body });
}

export async function responseToResultV1(response: Response, event: HttpEventV1, source: 'rest' | 'alb'): Promise<HttpResultV1> {
  const bytes = Buffer.from(await response.arrayBuffer());
  const text = bytes.length === 0 || isTextType(response.headers.get('content-type') ?? '');
  const result: HttpResultV1 = {
    statusCode: response.status,
    body: text ? bytes.toString('utf8') : bytes.toString('base64'),
    isBase64Encoded: !text,
  };
  if (source === 'alb') result.statusDescription = `${response.status} ${STATUS_CODES[response.status] ?? ''}`.trim();
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie') return;
    single[name] = value;
    multi[name] = [value];
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) multi['set-cookie'] = cookies;
  // ALB with multi-value headers enabled sends only `multiValueHeaders` and reads only them back.
  if (source === 'alb' && event.multiValueHeaders) result.multiValueHeaders = multi;
  else {
    result.headers = single;
    if (cookies.length > 0) result.multiValueHeaders = { 'set-cookie': cookies };
  }
  return result;
}
