// Google-signed OIDC ID tokens (what Cloud Tasks and Cloud Scheduler send), verified with
// google-auth-library: signature against Google's certs (or injected ones), issuer, expiry, audience.

import type { OAuth2Client } from 'google-auth-library';

export const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'] as const;

export interface OidcVerifierOptions {
  client: Pick<OAuth2Client, 'verifyIdToken' | 'verifySignedJwtWithCertsAsync'>;
  audience: string | string[];
  certs?: () => Promise<Record<string, string>> | Record<string, string>;
  issuers: readonly string[];
  serviceAccounts?: readonly string[];
}

export type OidcVerdict = { ok: true; principal: { kind: 'oidc'; email: string | undefined; subject: string | undefined } } | { ok: false; reason: string };

export function createOidcVerifier(options: OidcVerifierOptions) {
  const allowed = options.serviceAccounts ? new Set(options.serviceAccounts.map((email) => email.toLowerCase())) : null;
  return async (token: string): Promise<OidcVerdict> => {
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
    const email = typeof payload.email === 'string' ? payload.email : undefined;
    if (allowed && (!email || payload.email_verified !== true || !allowed.has(email.toLowerCase()))) {
      return { ok: false, reason: 'ID token of a service account that is not allowed' };
    }
    return { ok: true, principal: { kind: 'oidc', email, subject: typeof payload.sub === 'string' ? payload.sub : undefined } };
  };
}
