// Every request must carry a Google-signed ID token (Authorization: Bearer) or a Cairn HMAC signature.
// Nothing else gets in, and a refused request touches nothing.

import { z } from 'zod';
import type { OAuth2Client } from 'google-auth-library';
import { createHmacVerifier, SIGNATURE_HEADER, type AuthVerdict, type RequestAuthenticator } from '@cairn/core';
import { createOidcVerifier, GOOGLE_ISSUERS } from './oidc.js';

export interface CloudRunAuthOptions {
  /** Google-signed ID tokens, as Cloud Tasks and Cloud Scheduler send with an `oidcToken`. */
  oidc?: {
    /** An `OAuth2Client` from google-auth-library (it fetches and caches Google's certs). */
    client: Pick<OAuth2Client, 'verifyIdToken' | 'verifySignedJwtWithCertsAsync'>;
    /** The expected `aud`: the service URL (Cloud Tasks' and this package's default audience). */
    audience: string | string[];
    /** Verification keys (kid -> PEM) instead of Google's; for tests and private signers. @default Google's certs */
    certs?: () => Promise<Record<string, string>> | Record<string, string>;
    /** @default ['https://accounts.google.com', 'accounts.google.com'] */
    issuers?: string[];
    /** Accept only tokens whose verified `email` is one of these. @default any Google-signed token for the audience */
    serviceAccounts?: string[];
  };
  /** Shared-secret signatures (see `signRequest`). Several secrets allow rotation. */
  hmac?: {
    secrets: string[];
    /** How far a signature's timestamp may be from now. @default 300_000 (5 minutes) */
    toleranceMs?: number;
  };
}

export const AuthOptionsSchema = z
  .object({
    oidc: z
      .object({
        client: z.custom<CloudRunAuthOptions['oidc']>(
          (value) => typeof value === 'object' && value !== null && typeof (value as OAuth2Client).verifyIdToken === 'function',
          'an OAuth2Client from google-auth-library',
        ),
        audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
        certs: z.custom<() => unknown>((value) => typeof value === 'function', 'a function returning kid -> PEM').optional(),
        issuers: z.array(z.string().min(1)).min(1).optional(),
        serviceAccounts: z.array(z.string().min(3)).min(1).optional(),
      })
      .optional(),
    hmac: z
      .object({
        secrets: z.array(z.string().min(32, 'a secret of at least 32 characters')).min(1),
        toleranceMs: z.number().int().min(1000).max(3_600_000).optional(),
      })
      .optional(),
  })
  .refine((auth) => auth.oidc !== undefined || auth.hmac !== undefined, 'at least one of oidc or hmac');

export function createAuthenticator(options: CloudRunAuthOptions, now: () => number): RequestAuthenticator {
  const oidc = options.oidc
    ? createOidcVerifier({ ...options.oidc, issuers: options.oidc.issuers ?? [...GOOGLE_ISSUERS] })
    : undefined;
  const hmac = options.hmac
    ? createHmacVerifier({ secrets: options.hmac.secrets, toleranceMs: options.hmac.toleranceMs ?? 300_000, now })
    : undefined;

  return async (request: Request, body: Uint8Array): Promise<AuthVerdict> => {
    const authorization = request.headers.get('authorization');
    if (authorization !== null) {
      const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization);
      if (!match) return { ok: false, reason: 'malformed Authorization header' };
      if (!oidc) return { ok: false, reason: 'ID tokens are not accepted by this service' };
      return oidc(match[1]!);
    }
    if (request.headers.has(SIGNATURE_HEADER)) {
      if (!hmac) return { ok: false, reason: 'signatures are not accepted by this service' };
      return hmac(request.headers, request.method, request.url, body);
    }
    return { ok: false, reason: 'no credentials' };
  };
}
