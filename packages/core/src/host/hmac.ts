// Shared-secret request signatures, for callers that cannot mint Google ID tokens (scripts, other
// clouds, local runs). A signature covers a timestamp, a random nonce, the method, the path and query,
// and the body's SHA-256; it is accepted within `toleranceMs` of its timestamp and only once per process
// (the nonce keeps two identical requests sent in the same millisecond apart).
//
//   X-Cairn-Timestamp: <epoch ms>
//   X-Cairn-Nonce: <16 to 64 characters of [A-Za-z0-9_-]>
//   X-Cairn-Signature: v1=<hex HMAC-SHA256(secret, "v1\n" + timestamp + "\n" + nonce + "\n" + METHOD + "\n" + path?query + "\n" + hex SHA-256(body))>

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-cairn-timestamp';
export const SIGNATURE_HEADER = 'x-cairn-signature';
export const NONCE_HEADER = 'x-cairn-nonce';
/** How far a signature's timestamp may be from now, by default. */
export const DEFAULT_SIGNATURE_TOLERANCE_MS = 300_000;

export interface SignRequestParams {
  secret: string;
  method: string;
  /** The request URL (absolute) or its path and query. */
  url: string;
  body?: Uint8Array | string;
  /** @default Date.now() */
  timestamp?: number;
  /** @default 16 random bytes, base64url */
  nonce?: string;
}

function canonical(timestamp: string, nonce: string, method: string, url: string, body: Uint8Array | string | undefined): string {
  const target = url.startsWith('/')
    ? url
    : (() => {
        const parsed = new URL(url);
        return `${parsed.pathname}${parsed.search}`;
      })();
  const bodyHash = createHash('sha256')
    .update(body ?? '')
    .digest('hex');
  return `v1\n${timestamp}\n${nonce}\n${method.toUpperCase()}\n${target}\n${bodyHash}`;
}

function sign(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

/** The three headers that authenticate one request with a shared secret. */
export function signRequest(params: SignRequestParams): Record<string, string> {
  const timestamp = String(Math.floor(params.timestamp ?? Date.now()));
  const nonce = params.nonce ?? randomBytes(16).toString('base64url');
  return {
    [TIMESTAMP_HEADER]: timestamp,
    [NONCE_HEADER]: nonce,
    [SIGNATURE_HEADER]: `v1=${sign(params.secret, canonical(timestamp, nonce, params.method, params.url, params.body))}`,
  };
}

export interface HmacVerifierOptions {
  secrets: readonly string[];
  toleranceMs: number;
  now: () => number;
}

export type HmacVerdict = { ok: true; principal: { kind: 'hmac'; secretIndex: number } } | { ok: false; reason: string };

const MAX_REMEMBERED = 100_000;

export function createHmacVerifier(options: HmacVerifierOptions) {
  // Signatures seen inside the tolerance window: a captured request cannot be sent again.
  const seen = new Map<string, number>();
  const remember = (signature: string, until: number, now: number) => {
    if (seen.size >= MAX_REMEMBERED) {
      for (const [key, expiry] of seen) if (expiry <= now) seen.delete(key);
      if (seen.size >= MAX_REMEMBERED) seen.delete(seen.keys().next().value!);
    }
    seen.set(signature, until);
  };

  return (headers: Headers, method: string, url: string, body: Uint8Array): HmacVerdict => {
    const timestamp = headers.get(TIMESTAMP_HEADER) ?? '';
    const nonce = headers.get(NONCE_HEADER) ?? '';
    const header = headers.get(SIGNATURE_HEADER) ?? '';
    const match = /^v1=([0-9a-f]{64})$/.exec(header);
    if (!match || !/^\d{1,16}$/.test(timestamp) || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) {
      return { ok: false, reason: 'malformed signature headers' };
    }
    const now = options.now();
    const at = Number(timestamp);
    if (Math.abs(now - at) > options.toleranceMs) return { ok: false, reason: 'signature timestamp outside the allowed window' };
    const given = Buffer.from(match[1]!, 'hex');
    const text = canonical(timestamp, nonce, method, url, body);
    let secretIndex = -1;
    options.secrets.forEach((secret, index) => {
      // Every secret is compared (constant time each), so timing does not reveal which one matched.
      const expected = Buffer.from(sign(secret, text), 'hex');
      if (timingSafeEqual(expected, given) && secretIndex < 0) secretIndex = index;
    });
    if (secretIndex < 0) return { ok: false, reason: 'bad signature' };
    if ((seen.get(match[1]!) ?? 0) > now) return { ok: false, reason: 'signature already used' };
    remember(match[1]!, at + options.toleranceMs + 1, now);
    return { ok: true, principal: { kind: 'hmac', secretIndex } };
  };
}
