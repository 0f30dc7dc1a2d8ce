// Who is calling a host: an authenticator turns a request into a principal (or a refusal), and route classes
// say which principals may reach which routes (the scheduler's identity reaches only wake and sweep).

import { createHmacVerifier, DEFAULT_SIGNATURE_TOLERANCE_MS, SIGNATURE_HEADER } from './hmac.js';

export type Principal =
  | { kind: 'oidc'; email: string | undefined; subject: string | undefined }
  | { kind: 'hmac'; secretIndex: number }
  /** A host that asked for no authentication (a loopback development server). */
  | { kind: 'anonymous' };

export type AuthVerdict = { ok: true; principal: Principal } | { ok: false; reason: string };

/** Checks one request's credentials; `body` is the raw request body (signatures cover it). */
export type RequestAuthenticator = (request: Request, body: Uint8Array) => Promise<AuthVerdict> | AuthVerdict;

/** Wake and sweep deliveries from a scheduler, and the control API (REST). */
export type RouteClass = 'scheduler' | 'api';

export interface AuthenticatorOptions {
  /** Shared-secret request signatures (see `signRequest`). Several secrets allow rotation. */
  hmac?: { secrets: readonly string[]; toleranceMs?: number };
  /** Verifies `Authorization: Bearer <token>` (an OIDC ID token, say). Without it, bearer tokens are refused. */
  bearer?: (token: string) => Promise<AuthVerdict> | AuthVerdict;
  /** The clock signatures' timestamps are checked against. */
  now: () => number;
}

/** Bearer token -> `bearer`, a Cairn signature -> HMAC, anything else refused. A refusal touches nothing. */
export function createRequestAuthenticator(options: AuthenticatorOptions): RequestAuthenticator {
  const hmac = options.hmac
    ? createHmacVerifier({ secrets: options.hmac.secrets, toleranceMs: options.hmac.toleranceMs ?? DEFAULT_SIGNATURE_TOLERANCE_MS, now: options.now })
    : undefined;
  return async (request, body) => {
    const authorization = request.headers.get('authorization');
    if (authorization !== null) {
      const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization);
      if (!match) return { ok: false, reason: 'malformed Authorization header' };
      if (!options.bearer) return { ok: false, reason: 'bearer tokens are not accepted by this service' };
      return options.bearer(match[1]!);
    }
    if (request.headers.has(SIGNATURE_HEADER)) {
      if (!hmac) return { ok: false, reason: 'signatures are not accepted by this service' };
      return hmac(request.headers, request.method, request.url, body);
    }
    return { ok: false, reason: 'no credentials' };
  };
}
