// Every request must carry a Google-signed ID token of an allowed service account (Authorization: Bearer) or a
// Cairn request signature. Nothing else gets in, a refused request touches nothing, and each principal reaches
// only its routes: the Cloud Tasks and Cloud Scheduler accounts the wake and sweep endpoints.

import { z } from 'zod';
import { createRequestAuthenticator, type NonceClaim, type RequestAuthenticator, type RouteClass } from '@cairn/core';
import { createOidcVerifier, GOOGLE_ISSUERS, type IdTokenClient } from './oidc.js';

export interface CloudRunAuthOptions {
  /** Google-signed ID tokens, as Cloud Tasks and Cloud Scheduler send with an `oidcToken`. */
  oidc?: {
    /** An `OAuth2Client` from google-auth-library (it fetches and caches Google's certs). */
    client: IdTokenClient;
    /** The expected `aud`: the service URL (Cloud Tasks' and this package's default audience). */
    audience: string | string[];
    /**
     * The service accounts that deliver wake-ups and sweeper ticks (the Cloud Tasks and Cloud Scheduler
     * identities): required, since any Google account can mint a token for your audience. They reach
     * `/_cairn/wake` and `/_cairn/sweep` only.
     */
    serviceAccounts: string[];
    /** Service accounts of operators or services that may also call the REST API (delete, terminate...). @default none */
    apiServiceAccounts?: string[];
    /** Verification keys (kid -> PEM) instead of Google's; for tests and private signers. @default Google's certs */
    certs?: () => Promise<Record<string, string>> | Record<string, string>;
    /** @default ['https://accounts.google.com', 'accounts.google.com'] */
    issuers?: string[];
  };
  /** Shared-secret signatures (see `signRequest`). Several secrets allow rotation. */
  hmac?: {
    secrets: string[];
    /** How far a signature's timestamp may be from now. @default 300_000 (5 minutes) */
    toleranceMs?: number;
    /** What signed requests may reach. @default ['api', 'scheduler'] */
    routes?: RouteClass[];
  };
}

const Emails = z.array(z.email('a service account email')).min(1);

export const AuthOptionsSchema = z
  .object({
    oidc: z
      .object({
        client: z.custom<CloudRunAuthOptions['oidc']>(
          (value) => typeof value === 'object' && value !== null && typeof (value as IdTokenClient).verifyIdToken === 'function',
          'an OAuth2Client from google-auth-library',
        ),
        audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
        serviceAccounts: z
          .array(z.email('a service account email'), {
            error:
              'the service accounts allowed to deliver wake-ups (serviceAccounts: [...]); without them any Google-signed token for the audience would get in',
          })
          .min(1, 'at least one service account: without it any Google-signed token for the audience would get in'),
        apiServiceAccounts: Emails.optional(),
        certs: z.custom<() => unknown>((value) => typeof value === 'function', 'a function returning kid -> PEM').optional(),
        issuers: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict()
      .optional(),
    hmac: z
      .object({
        secrets: z.array(z.string().min(32, 'a secret of at least 32 characters')).min(1),
        toleranceMs: z.number().int().min(1000).max(3_600_000).optional(),
        routes: z
          .array(z.enum(['api', 'scheduler']))
          .min(1)
          .optional(),
      })
      .strict()
      .optional(),
  })
  .refine((auth) => auth.oidc !== undefined || auth.hmac !== undefined, 'at least one of oidc or hmac');

export function createAuthenticator(options: CloudRunAuthOptions, now: () => number, claim: NonceClaim | undefined): RequestAuthenticator {
  const oidc = options.oidc ? createOidcVerifier({ ...options.oidc, issuers: options.oidc.issuers ?? [...GOOGLE_ISSUERS] }) : undefined;
  return createRequestAuthenticator({ hmac: options.hmac && { ...options.hmac, claim }, bearer: oidc, now });
}
