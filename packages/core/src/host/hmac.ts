// Shared-secret request signatures, for callers that cannot mint Google ID tokens (scripts, other clouds,
// the CLI, local runs). A signature covers a timestamp, a random nonce, the method, the path and query, and
// the body's SHA-256. It is accepted within `toleranceMs` of its timestamp, and once: the first use of each
// signature is claimed in the store (`WorkflowStore.claimNonce`), so a captured request is refused by every
// process on that store, after restarts too.
//
//   X-Cairn-Timestamp: <epoch ms>
//   X-Cairn-Nonce: <16 to 64 characters of [A-Za-z0-9_-]>
//   X-Cairn-Signature: v1=<hex HMAC-SHA256(secret, "v1\n" + timestamp + "\n" + nonce + "\n" + METHOD + "\n" + path?query + "\n" + hex SHA-256(body))>
//
// The headers are checked before the body is read (format, window); the MAC, which covers the body, after.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import { InvalidOptionsError } from '../errors.js';
import type { OptionsOwner } from '../shared/options.js';
import type { WorkflowStore } from '../store.js';

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

function targetOf(url: string): string {
  if (url.startsWith('/')) return url;
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

function canonical(timestamp: string, nonce: string, method: string, url: string, body: Uint8Array | string | undefined): string {
  const bodyHash = createHash('sha256')
    .update(body ?? '')
    .digest('hex');
  return `v1\n${timestamp}\n${nonce}\n${method.toUpperCase()}\n${targetOf(url)}\n${bodyHash}`;
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

/** Claims a signature's single use until `expiresAt`: true the first time, false after. */
export type NonceClaim = (key: string, expiresAt: number) => Promise<boolean>;

export interface HmacVerifierOptions {
  secrets: readonly string[];
  toleranceMs: number;
  now: () => number;
  /** Where uses are recorded. @default this process's memory only (a replay to another process, or after a restart, is not caught) */
  claim?: NonceClaim;
}

export type HmacVerdict = { ok: true; secretIndex: number } | { ok: false; reason: string };

/** First the headers (before the body is read), then the body: `check(...)` answers a refusal or the body check. */
export interface HmacVerifier {
  check(
    headers: Headers,
    method: string,
    url: string,
  ): { ok: false; reason: string } | { ok: true; verifyBody(body: Uint8Array | undefined): Promise<HmacVerdict> };
}

export function createHmacVerifier(options: HmacVerifierOptions): HmacVerifier {
  const claim = options.claim ?? processClaim();
  return {
    check(headers, method, url) {
      const timestamp = headers.get(TIMESTAMP_HEADER) ?? '';
      const nonce = headers.get(NONCE_HEADER) ?? '';
      const match = /^v1=([0-9a-f]{64})$/.exec(headers.get(SIGNATURE_HEADER) ?? '');
      if (!match || !/^\d{1,16}$/.test(timestamp) || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) return { ok: false, reason: 'malformed signature headers' };
      const at = Number(timestamp);
      if (Math.abs(options.now() - at) > options.toleranceMs) return { ok: false, reason: 'signature timestamp outside the allowed window' };
      const given = Buffer.from(match[1]!, 'hex');
      return {
        ok: true,
        async verifyBody(body) {
          const text = canonical(timestamp, nonce, method, url, body);
          let secretIndex = -1;
          options.secrets.forEach((secret, index) => {
            // Every secret is compared (constant time each), so timing does not reveal which one matched.
            if (timingSafeEqual(Buffer.from(sign(secret, text), 'hex'), given) && secretIndex < 0) secretIndex = index;
          });
          if (secretIndex < 0) return { ok: false, reason: 'bad signature' };
          // Past the window the timestamp check refuses it anyway: the claim need not outlive it.
          if (!(await claim(`hmac:${match[1]}`, at + options.toleranceMs + 1))) return { ok: false, reason: 'signature already used' };
          return { ok: true, secretIndex };
        },
      };
    },
  };
}

/** Uses remembered in this process (bounded), for a verifier given no store. */
function processClaim(): NonceClaim {
  const seen = new Map<string, number>();
  const MAX_REMEMBERED = 100_000;
  return async (key, expiresAt) => {
    const now = Date.now();
    if ((seen.get(key) ?? 0) > now) return false;
    if (seen.size >= MAX_REMEMBERED) {
      for (const [old, until] of seen) if (until <= now) seen.delete(old);
      if (seen.size >= MAX_REMEMBERED) seen.delete(seen.keys().next().value!);
    }
    seen.set(key, expiresAt);
    return true;
  };
}

/**
 * The store's durable record of signature uses, for a host that checks signatures; an InvalidOptionsError
 * naming the adapter when the store cannot keep one (a replay would then be caught by this process only).
 */
export function storeNonceClaim(store: WorkflowStore, clock: Pick<Clock, 'now'>, owner: OptionsOwner): NonceClaim {
  const claimNonce = store.claimNonce?.bind(store);
  if (!claimNonce) {
    throw new InvalidOptionsError(owner.adapter, owner.factory, [
      {
        option: 'hmac',
        message: `the store "${store.name}" has no claimNonce, so a replayed signed request could not be refused across processes; use a store that has one`,
      },
    ]);
  }
  return (key, expiresAt) => claimNonce({ key, expiresAt, now: clock.now() });
}
