// Who is calling a host, and what they may reach. An authenticator turns a request into a principal (or a
// refusal) from its headers alone, before the body is read; a signature over the body is checked once it is.
// Each principal carries the route classes it may reach: a scheduler's identity reaches wake and sweep only.

import { createHmacVerifier, DEFAULT_SIGNATURE_TOLERANCE_MS, SIGNATURE_HEADER, type NonceClaim } from './hmac.js';

/** Wake and sweep deliveries from a scheduler, and the control API (REST). */
export type RouteClass = 'scheduler' | 'api';

export type Principal = (
  | { kind: 'oidc'; email: string | undefined; subject: string | undefined }
  | { kind: 'hmac'; secretIndex: number }
  /** A host that asked for no authentication (a loopback development server). */
  | { kind: 'anonymous' }
) & {
  /** The route classes this principal may reach. */
  routes: readonly RouteClass[];
};

export type AuthVerdict =
  | {
      ok: true;
      principal: Principal;
      /** Credentials that cover the body (a signature): checked once the body is read. */
      verifyBody?: (body: Uint8Array | undefined) => Promise<AuthVerdict>;
    }
  | { ok: false; reason: string };

/** Checks one request's credentials from its method, URL and headers. */
export type RequestAuthenticator = (request: Request) => Promise<AuthVerdict> | AuthVerdict;

export interface AuthenticatorOptions {
  /** Shared-secret request signatures (see `signRequest`). Several secrets allow rotation. */
  hmac?: {
    secrets: readonly string[];
    toleranceMs?: number;
    /** The routes signed requests may reach. @default ['api', 'scheduler'] */
    routes?: readonly RouteClass[];
    /** Records each signature's use (the store's `claimNonce`). @default this process only */
    claim?: NonceClaim;
  };
  /** Verifies `Authorization: Bearer <token>` (an OIDC ID token, say) and says what its subject may reach. */
  bearer?: (token: string) => Promise<AuthVerdict> | AuthVerdict;
  /** The clock signatures' timestamps are checked against. */
  now: () => number;
}

/** Bearer token -> `bearer`, a Cairn signature -> HMAC, anything else refused. A refusal touches nothing. */
export function createRequestAuthenticator(options: AuthenticatorOptions): RequestAuthenticator {
  const hmac = options.hmac
    ? createHmacVerifier({
        secrets: options.hmac.secrets,
        toleranceMs: options.hmac.toleranceMs ?? DEFAULT_SIGNATURE_TOLERANCE_MS,
        now: options.now,
        claim: options.hmac.claim,
      })
    : undefined;
  const signedRoutes = options.hmac?.routes ?? ['api', 'scheduler'];
  return async (request) => {
    const authorization = request.headers.get('authorization');
    if (authorization !== null) {
      const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization);
      if (!match) return { ok: false, reason: 'malformed Authorization header' };
      if (!options.bearer) return { ok: false, reason: 'bearer tokens are not accepted by this service' };
      return options.bearer(match[1]!);
    }
    if (!request.headers.has(SIGNATURE_HEADER)) return { ok: false, reason: 'no credentials' };
    if (!hmac) return { ok: false, reason: 'signatures are not accepted by this service' };
    const checked = hmac.check(request.headers, request.method, request.url);
    if (!checked.ok) return checked;
    return {
      ok: true,
      principal: { kind: 'hmac', secretIndex: -1, routes: signedRoutes },
      verifyBody: async (body) => {
        const verdict = await checked.verifyBody(body);
        return verdict.ok ? { ok: true, principal: { kind: 'hmac', secretIndex: verdict.secretIndex, routes: signedRoutes } } : verdict;
      },
    };
  };
}
