// Request bodies, read strictly: the size limit enforced while the body streams in (413, nothing buffered past
// it), JSON only when the request says so (415), UTF-8 that decodes (400), nesting that the codec can store
// (400, checked before JSON.parse, which would overflow the stack on a deep enough body), valid JSON (400).

import { MAX_NESTING_DEPTH } from '../serialize.js';
import { HttpProblem } from './http-errors.js';

/** The envelope around a value (a body's `params`, `payload`) may add a few levels of its own. */
const MAX_BODY_DEPTH = MAX_NESTING_DEPTH + 8;

function tooLarge(bytes: number | undefined, limit: number): HttpProblem {
  return new HttpProblem(
    413,
    'payload_too_large',
    `The request body is ${bytes === undefined ? 'over the limit' : `${bytes} bytes`}; the limit is ${limit} bytes`,
  );
}

/** The raw body, at most `maxBytes`: a declared or streamed size past it is a 413 before more is read. */
export async function readBodyBytes(request: Request, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(declared, maxBytes);
  if (!request.body) return undefined;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(undefined, maxBytes);
    }
    chunks.push(value);
  }
  if (size === 0) return undefined;
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** True for `application/json` and `application/<something>+json`, in UTF-8 (no charset, or charset=utf-8). */
function isJsonContentType(value: string | null): boolean {
  if (value === null) return false;
  const [type = '', ...parameters] = value.split(';').map((part) => part.trim().toLowerCase());
  const json = type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
  const charset = parameters
    .find((parameter) => parameter.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"|"$/g, '');
  return json && (charset === undefined || charset === 'utf-8' || charset === 'utf8');
}

/** A JSON body as a value; undefined when there is none (or it is only whitespace). */
export function parseJsonBody(bytes: Uint8Array | undefined, contentType: string | null): unknown {
  if (bytes === undefined || bytes.byteLength === 0) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new HttpProblem(400, 'invalid_encoding', 'The request body is not valid UTF-8');
  }
  if (text.trim() === '') return undefined;
  if (!isJsonContentType(contentType)) {
    throw new HttpProblem(415, 'unsupported_media_type', 'Send the body as JSON in UTF-8, with Content-Type: application/json');
  }
  if (jsonDepthExceeds(text, MAX_BODY_DEPTH)) {
    throw new HttpProblem(400, 'too_deep', `The request body nests deeper than ${MAX_BODY_DEPTH} levels`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpProblem(400, 'invalid_json', 'The request body is not valid JSON');
  }
}

/** Whether brackets outside strings nest deeper than `limit` (one pass, no recursion). */
function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
