// Bad credentials, each named: what an attacker or a broken client sends. Every one must be refused (401, or
// 403 where a valid identity reaches a route it is not allowed) and change nothing.

import { createHmac, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { signRequest } from '@cairn/core';
import type { OidcSigner } from '../gcp/oidc-signer.js';

export interface Signed {
  method: string;
  path: string;
  text: string | undefined;
}

export interface BadCredential {
  name: string;
  /** The headers to send (and, for tampering, the request actually sent); undefined where it does not apply (a body tampered on a request without one). */
  build(request: Signed): { headers: Record<string, string>; request?: Partial<Signed> } | undefined;
}

const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

function unsigned(header: object, payload: object, signature = ''): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${signature}`;
}

export interface OidcSetup {
  signer: OidcSigner;
  /** The signer's public key as PEM (for the key-confusion attack). */
  publicPem: string;
  audience: string;
  schedulerAccount: string;
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** Bearer tokens that must never get in. */
export function badTokens({ signer, publicPem, audience, schedulerAccount }: OidcSetup): BadCredential[] {
  const now = Math.floor(Date.now() / 1000);
  const claims = { aud: audience, email: schedulerAccount, email_verified: true };
  const full = { iss: 'https://accounts.google.com', iat: now, exp: now + 3600, sub: '1000000000000000000001', ...claims };
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signWith = (key: typeof stranger.privateKey, header: object, payload: object) => {
    const signed = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    return `${signed}.${b64url(createSign('RSA-SHA256').update(signed).sign(key))}`;
  };
  const valid = signer.sign(claims);
  const [validHeader, validPayload, validSignature] = valid.split('.') as [string, string, string];
  const other = signer.sign({ ...claims, email: 'other@demo-cairn.iam.gserviceaccount.com' });
  const hs256 = (secret: string, kid?: string) => {
    const signed = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', ...(kid ? { kid } : {}) }))}.${b64url(JSON.stringify(full))}`;
    return `${signed}.${b64url(createHmac('sha256', secret).update(signed).digest())}`;
  };
  const list: Array<[string, () => { headers: Record<string, string> }]> = [
    ['no Authorization header', () => ({ headers: {} })],
    ['empty Authorization header', () => ({ headers: { authorization: '' } })],
    ['scheme only', () => ({ headers: { authorization: 'Bearer' } })],
    ['scheme and a space', () => ({ headers: { authorization: 'Bearer ' } })],
    ['Basic credentials', () => ({ headers: { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` } })],
    ['Digest scheme with a token', () => ({ headers: { authorization: `Digest ${valid}` } })],
    ['not a JWT', () => bearer('not-a-token')],
    ['two parts', () => bearer(`${validHeader}.${validPayload}`)],
    ['four parts', () => bearer(`${valid}.extra`)],
    ['empty parts', () => bearer('..')],
    ['not base64url', () => bearer('%%%.%%%.%%%')],
    ['header is not an object', () => bearer(`${b64url('[]')}.${validPayload}.${validSignature}`)],
    ['header is not JSON', () => bearer(`${b64url('{alg')}.${validPayload}.${validSignature}`)],
    ['payload is not JSON', () => bearer(`${validHeader}.${b64url('nope')}.${validSignature}`)],
    ['alg none, no signature', () => bearer(unsigned({ alg: 'none', typ: 'JWT' }, full))],
    ['alg none with the real signature', () => bearer(unsigned({ alg: 'none', typ: 'JWT', kid: signer.kid }, full, validSignature))],
    ['alg None (capitalised)', () => bearer(unsigned({ alg: 'None', kid: signer.kid }, full))],
    ['HS256 signed with the public key', () => bearer(hs256(publicPem, signer.kid))],
    ['HS256 signed with the public key, no kid', () => bearer(hs256(publicPem))],
    ['HS256 signed with an empty secret', () => bearer(hs256('', signer.kid))],
    ['signed by another key under the right kid', () => bearer(signWith(stranger.privateKey, { alg: 'RS256', kid: signer.kid, typ: 'JWT' }, full))],
    ['signed by another key, unknown kid', () => bearer(signWith(stranger.privateKey, { alg: 'RS256', kid: 'f'.repeat(40), typ: 'JWT' }, full))],
    ['signed by another key, no kid', () => bearer(signWith(stranger.privateKey, { alg: 'RS256', typ: 'JWT' }, full))],
    ['the real signature on another payload', () => bearer(`${validHeader}.${other.split('.')[1]}.${validSignature}`)],
    ['payload tampered after signing', () => bearer(`${validHeader}.${b64url(JSON.stringify({ ...full, exp: now + 86_000 }))}.${validSignature}`)],
    ['signature truncated', () => bearer(`${validHeader}.${validPayload}.${validSignature.slice(0, -4)}`)],
    ['signature empty', () => bearer(`${validHeader}.${validPayload}.`)],
    ['expired an hour ago', () => bearer(signer.sign({ ...claims, iat: now - 7200, exp: now - 3600 }))],
    ['expired past the clock-skew allowance', () => bearer(signer.sign({ ...claims, iat: now - 4000, exp: now - 400 }))],
    ['expired years ago', () => bearer(signer.sign({ ...claims, iat: 1_500_000_000, exp: 1_500_003_600 }))],
    ['issued in the future', () => bearer(signer.sign({ ...claims, iat: now + 3600, exp: now + 7200 }))],
    ['no expiry', () => bearer(signer.sign({ ...claims, exp: undefined }))],
    ['lifetime longer than a day', () => bearer(signer.sign({ ...claims, iat: now, exp: now + 3 * 86_400 }))],
    ['another audience', () => bearer(signer.sign({ ...claims, aud: 'https://elsewhere.example' }))],
    ['no audience', () => bearer(signer.sign({ ...claims, aud: undefined as unknown as string }))],
    ['audience with a trailing path', () => bearer(signer.sign({ ...claims, aud: `${audience}/admin` }))],
    ['audience of a lookalike host', () => bearer(signer.sign({ ...claims, aud: audience.replace('https://', 'https://evil-') }))],
    ['another issuer', () => bearer(signer.sign({ ...claims, iss: 'https://evil.example' }))],
    ['no issuer', () => bearer(signer.sign({ ...claims, iss: undefined }))],
    ['issuer over plain http', () => bearer(signer.sign({ ...claims, iss: 'http://accounts.google.com' }))],
    ['a service account that is not listed', () => bearer(signer.sign({ ...claims, email: 'intruder@demo-cairn.iam.gserviceaccount.com' }))],
    ['the listed account, email not verified', () => bearer(signer.sign({ ...claims, email_verified: false }))],
    ['the listed account, verification missing', () => bearer(signer.sign({ ...claims, email_verified: undefined }))],
    ['the listed account, verified as a string', () => bearer(signer.sign({ ...claims, email_verified: 'true' as unknown as boolean }))],
    ['no email', () => bearer(signer.sign({ ...claims, email: undefined }))],
    ['the listed account with a suffix', () => bearer(signer.sign({ ...claims, email: `${schedulerAccount}.evil.example` }))],
    ['the listed account as a prefix', () => bearer(signer.sign({ ...claims, email: `x${schedulerAccount}` }))],
    ['the listed account in another claim', () => bearer(signer.sign({ ...claims, email: 'intruder@example.com', sub: schedulerAccount }))],
    ['two tokens in one header', () => bearer(`${valid} ${valid}`)],
    ['a token of 16 KiB', () => bearer(`${validHeader}.${b64url(randomBytes(12_000))}.${validSignature}`)],
  ];
  return list.map(([name, build]) => ({ name: `bearer: ${name}`, build }));
}

/** Request signatures (`signRequest`) that must never get in. */
export function badSignatures(secret: string): BadCredential[] {
  const sign = (request: Signed, overrides: Partial<Parameters<typeof signRequest>[0]> = {}) =>
    signRequest({ secret, method: request.method, url: request.path, body: request.text, ...overrides });
  const headersOf = (headers: Record<string, string>) => ({ headers });
  const withBody = (request: Signed, tampered: () => { headers: Record<string, string>; request?: Partial<Signed> }) =>
    request.text === undefined ? undefined : tampered();
  const list: Array<[string, (request: Signed) => { headers: Record<string, string>; request?: Partial<Signed> } | undefined]> = [
    ['another secret', (r) => headersOf(sign(r, { secret: 'another-secret-0123456789abcdef0123456789' }))],
    ['the secret with one character changed', (r) => headersOf(sign(r, { secret: `${secret.slice(0, -1)}!` }))],
    ['an empty secret', (r) => headersOf(sign(r, { secret: '' }))],
    ['body with a space appended', (r) => withBody(r, () => ({ headers: sign(r), request: { text: `${r.text} ` } }))],
    ['body replaced', (r) => withBody(r, () => ({ headers: sign(r), request: { text: '{"type":"approval","payload":{"approvedBy":"mallory"}}' } }))],
    ['body dropped', (r) => withBody(r, () => ({ headers: sign(r), request: { text: '' } }))],
    ['signed without the body it carries', (r) => withBody(r, () => ({ headers: sign(r, { body: undefined }) }))],
    ['signed for another path', (r) => headersOf(sign(r, { url: '/workflows/OTHER/instances' }))],
    ['a query string added after signing', (r) => ({ headers: sign(r), request: { path: `${r.path}?admin=1` } })],
    ['a path segment changed after signing', (r) => ({ headers: sign(r), request: { path: r.path.replace(/\/([^/]*)$/, '/X$1') } })],
    ['signed for another method', (r) => headersOf(sign(r, { method: r.method === 'GET' ? 'DELETE' : 'GET' }))],
    ['ten minutes old', (r) => headersOf(sign(r, { timestamp: Date.now() - 10 * 60_000 }))],
    ['ten minutes in the future', (r) => headersOf(sign(r, { timestamp: Date.now() + 10 * 60_000 }))],
    ['timestamp in seconds', (r) => headersOf(sign(r, { timestamp: Math.floor(Date.now() / 1000) }))],
    ['timestamp zero', (r) => headersOf(sign(r, { timestamp: 0 }))],
    ['timestamp not a number', (r) => headersOf({ ...sign(r), 'x-cairn-timestamp': 'soon' })],
    ['timestamp negative', (r) => headersOf({ ...sign(r), 'x-cairn-timestamp': '-1' })],
    ['timestamp with a plus sign', (r) => headersOf({ ...sign(r), 'x-cairn-timestamp': `+${Date.now()}` })],
    ['timestamp missing', (r) => headersOf(without(sign(r), 'x-cairn-timestamp'))],
    ['nonce missing', (r) => headersOf(without(sign(r), 'x-cairn-nonce'))],
    ['nonce changed', (r) => headersOf({ ...sign(r), 'x-cairn-nonce': 'AAAAAAAAAAAAAAAAAAAAAA' })],
    ['nonce too short', (r) => headersOf(sign(r, { nonce: 'short' }))],
    ['nonce with forbidden characters', (r) => headersOf(sign(r, { nonce: 'nonce/with+slashes==' }))],
    ['signature missing', (r) => headersOf(without(sign(r), 'x-cairn-signature'))],
    ['signature too short', (r) => headersOf({ ...sign(r), 'x-cairn-signature': 'v1=abc' })],
    ['signature of another version', (r) => headersOf({ ...sign(r), 'x-cairn-signature': sign(r)['x-cairn-signature']!.replace('v1=', 'v2=') })],
    ['signature without its version', (r) => headersOf({ ...sign(r), 'x-cairn-signature': sign(r)['x-cairn-signature']!.slice(3) })],
    ['signature in upper case', (r) => headersOf({ ...sign(r), 'x-cairn-signature': `v1=${sign(r)['x-cairn-signature']!.slice(3).toUpperCase()}` })],
    ['two signatures', (r) => headersOf({ ...sign(r), 'x-cairn-signature': `${sign(r)['x-cairn-signature']},v1=${'0'.repeat(64)}` })],
    ['all zeros', (r) => headersOf({ ...sign(r), 'x-cairn-signature': `v1=${'0'.repeat(64)}` })],
    ['signed with the nonce of another signature', (r) => headersOf({ ...sign(r), 'x-cairn-nonce': sign(r)['x-cairn-nonce']! })],
  ];
  return list.map(([name, build]) => ({ name: `signature: ${name}`, build }));
}

function without(headers: Record<string, string>, name: string): Record<string, string> {
  const { [name]: _dropped, ...rest } = headers;
  return rest;
}
