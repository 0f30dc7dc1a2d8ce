// Google-signed OIDC ID tokens (what Cloud Tasks and Cloud Scheduler send), verified with google-auth-library:
// signature against Google's certs (or injected ones), issuer, expiry, audience, and the service account. Only
// listed service accounts get in, and each reaches what it is listed for: the schedulers' accounts the wake and
// sweep endpoints, the operators' accounts the REST API too.

import type { AuthVerdict, RouteClass } from '@cairn/core';

/**
 * The two methods of google-auth-library's `OAuth2Client` that OIDC uses, written out so that the package's types
 * do not need google-auth-library (an optional peer: only OIDC needs it).
 */
export interface IdTokenClient {
  verifyIdToken(options: { idToken: string; audience?: string | string[] }): Promise<{ getPayload(): object | undefined }>;
  verifySignedJwtWithCertsAsync(
    jwt: string,
    certs: Record<string, string>,
    audience: string | string[],
    issuers: string[],
  ): Promise<{ getPayload(): object | undefined }>;
}

export const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'] as const;

export interface OidcVerifierOptions {
  client: IdTokenClient;
  audience: string | string[];
  certs?: () => Promise<Record<string, string>> | Record<string, string>;
  issuers: readonly string[];
  /** Service accounts that may deliver wake-ups and sweeper ticks. */
  serviceAccounts: readonly string[];
  /** Service accounts that may also call the REST API. */
  apiServiceAccounts?: readonly string[];
}

export function createOidcVerifier(options: OidcVerifierOptions) {
  const lower = (emails: readonly string[] | undefined) => new Set((emails ?? []).map((email) => email.toLowerCase()));
  const schedulers = lower(options.serviceAccounts);
  const operators = lower(options.apiServiceAccounts);
  return async (token: string): Promise<AuthVerdict> => {
    let payload: Record<string, unknown> | undefined;
    try {
      const ticket = options.certs
        ? await options.client.verifySignedJwtWithCertsAsync(token, await options.certs(), options.audience, [...options.issuers])
        : await options.client.verifyIdToken({ idToken: token, audience: options.audience });
      payload = ticket.getPayload() as Record<string, unknown> | undefined;
    } catch (error) {
      // The library's messages quote the whole token; keep only the first clause for logs.
      const message = error instanceof Error ? error.message.split(/[:,]/)[0]! : 'verification failed';
      return { ok: false, reason: `invalid ID token (${message})` };
    }
    if (!payload) return { ok: false, reason: 'invalid ID token (no payload)' };
    // verifyIdToken checks the issuer list of the client; enforce ours in both paths.
    if (!options.issuers.includes(String(payload.iss))) return { ok: false, reason: 'invalid ID token (issuer)' };
    const email = typeof payload.email === 'string' && payload.email_verified === true ? payload.email.toLowerCase() : undefined;
    const routes: RouteClass[] = [];
    if (email && (schedulers.has(email) || operators.has(email))) routes.push('scheduler');
    if (email && operators.has(email)) routes.push('api');
    if (routes.length === 0) return { ok: false, reason: 'ID token of a service account that is not allowed' };
    return { ok: true, principal: { kind: 'oidc', email, subject: typeof payload.sub === 'string' ? payload.sub : undefined, routes } };
  };
}
