// Function URL / HTTP API v2 events to fetch Requests and fetch Responses back to Lambda results.

import type { HttpEventV2 } from './events.js';

/** A Function URL / HTTP API v2 response (`HttpResultV2` in @types/aws-lambda). */
export interface HttpResultV2 {
  statusCode: number;
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

export function eventToRequest(event: HttpEventV2): Request {
  const host = event.requestContext.domainName ?? event.headers?.host ?? 'lambda.local';
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers.set(name, value);
  }
  // Payload 2.0 moves cookies out of the headers.
  if (event.cookies?.length) headers.set('cookie', event.cookies.join('; '));
  const method = event.requestContext.http.method.toUpperCase();
  let body: string | Uint8Array | undefined;
  if (event.body !== undefined && method !== 'GET' && method !== 'HEAD') {
    body = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
  }
  return new Request(`https://${host}${event.rawPath}${query}`, { method, headers, body });
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

/** Whether a body of this content type goes back as text (otherwise base64). */
export function isTextType(type: string): boolean {
  return TEXT_TYPES.test(type);
}

export async function responseToResult(response: Response): Promise<HttpResultV2> {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie') return;
    headers[name] = value;
  });
  for (const cookie of response.headers.getSetCookie()) cookies.push(cookie);
  const result: HttpResultV2 = { statusCode: response.status, headers };
  if (cookies.length) result.cookies = cookies;
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length === 0) return result;
  const type = response.headers.get('content-type') ?? '';
  if (isTextType(type)) {
    result.body = bytes.toString('utf8');
    result.isBase64Encoded = false;
  } else {
    result.body = bytes.toString('base64');
    result.isBase64Encoded = true;
  }
  return result;
}
