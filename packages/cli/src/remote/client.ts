// A deployed host's explorer API (`<url>/cdn-cgi/local/explorer/api`), authenticated as `cairn dev --url` does:
// each request signed with the host's HMAC secret or carrying a bearer token. Failures are CairnErrors naming the
// host and Cloudflare's error message, so the CLI prints one line and exits 1.

import { CairnError, LOCAL_EXPLORER_BASE_PATH, signRequest } from '@cairn/core';

export interface RemoteCredentials {
  hmacSecret?: string;
  token?: string;
}

class RemoteHostError extends CairnError {
  constructor(
    readonly url: string,
    readonly status: number,
    message: string,
  ) {
    // The host stands where a store would: its refusals are a store's errors (404: not found).
    super(status === 404 ? 'instance_not_found' : 'store_error', `${message} (${url}, HTTP ${status})`);
    this.name = 'RemoteHostError';
  }
}

export interface RemoteClient {
  readonly origin: string;
  call<T>(method: string, path: string, body?: unknown): Promise<{ result: T; info?: Record<string, unknown> }>;
}

export function remoteClient(url: string, credentials: RemoteCredentials): RemoteClient {
  const remote = new URL(url.replace(/\/+$/, ''));
  const base = `${remote.pathname === '/' ? '' : remote.pathname}${LOCAL_EXPLORER_BASE_PATH}`;
  return {
    origin: `${remote.origin}${remote.pathname === '/' ? '' : remote.pathname}`,
    async call<T>(method: string, path: string, body?: unknown) {
      const target = `${base}${path}`;
      const text = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = { accept: 'application/json' };
      if (text !== undefined) headers['content-type'] = 'application/json';
      if (credentials.hmacSecret)
        Object.assign(headers, signRequest({ secret: credentials.hmacSecret, method, url: target, ...(text === undefined ? {} : { body: text }) }));
      else if (credentials.token) headers.authorization = `Bearer ${credentials.token}`;
      let response: Response;
      try {
        response = await fetch(`${remote.origin}${target}`, { method, headers, ...(text === undefined ? {} : { body: text }) });
      } catch (error) {
        throw new RemoteHostError(remote.origin, 0, `Could not reach the host: ${error instanceof Error ? error.message : String(error)}`);
      }
      const answer = (await response.json().catch(() => null)) as {
        success?: boolean;
        result: T;
        result_info?: Record<string, unknown>;
        errors?: Array<{ message: string }>;
        error?: { message: string };
      } | null;
      if (!response.ok || !answer?.success) {
        throw new RemoteHostError(remote.origin, response.status, answer?.errors?.[0]?.message ?? answer?.error?.message ?? 'The host refused the request');
      }
      return { result: answer.result, ...(answer.result_info ? { info: answer.result_info } : {}) };
    },
  };
}
