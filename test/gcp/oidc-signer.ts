// A stand-in for Google's token signer: RS256 ID tokens from a test key, and the "certs" (kid -> PEM)
// that google-auth-library verifies them with.

import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';

export interface IdTokenClaims {
  iss?: string;
  aud: string;
  email?: string;
  email_verified?: boolean;
  sub?: string;
  iat?: number;
  exp?: number;
  [claim: string]: unknown;
}

export interface OidcSigner {
  readonly kid: string;
  /** The verification keys, as google-auth-library's `verifySignedJwtWithCertsAsync` takes them. */
  certs(): Record<string, string>;
  sign(claims: IdTokenClaims, options?: { kid?: string }): string;
}

const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

export function createOidcSigner(): OidcSigner {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(20).toString('hex');
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    kid,
    certs: () => ({ [kid]: publicPem }),
    sign(claims, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: 'RS256', kid: options.kid ?? kid, typ: 'JWT' };
      const payload = { iss: 'https://accounts.google.com', iat: now, exp: now + 3600, sub: '1000000000000000000001', ...claims };
      const signed = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
      const signature = createSign('RSA-SHA256').update(signed).sign(privateKey);
      return `${signed}.${b64url(signature)}`;
    },
  };
}
