// Every request must carry a Google-signed ID token (Authorization: Bearer) or a Cairn HMAC signature.
// Nothing else gets in, and a refused request touches nothing.

import { z } from 'zod';
import type { OAuth2Client } from 'google-auth-library';
import { createRequestAuthenticator, type RequestAuthenticator } from '@cairn/core';
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
  const oidc = options.oidc ? createOidcVerifier({ ...options.oidc, issuers: options.oidc.issuers ?? [...GOOGLE_ISSUERS] }) : undefined;
  return createRequestAuthenticator({ hmac: options.hmac, bearer: oidc, now });
}
