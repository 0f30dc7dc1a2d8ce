// Step results as streams (Cloudflare: a step.do callback may return a ReadableStream<Uint8Array>). The stream
// is read to its end inside the attempt (under the step's timeout) and kept as pieces of at most 512 KiB, one
// journal record each, written before the outcome that names them; a replay hands back a new stream over the
// recorded bytes without calling the callback. The 1 MiB limit of values does not apply; MAX_STREAM_BYTES does.

import { PayloadTooLargeError } from '../errors.js';

const STREAM_PIECE_BYTES = 512 * 1024;
const MAX_STREAM_BYTES = 64 * 1024 * 1024;

/** A stream the callback returned, read to its end. */
export class CollectedStream {
  constructor(readonly parts: readonly Uint8Array[]) {}

  /** The bytes cut into pieces of STREAM_PIECE_BYTES, as they are recorded. */
  pieces(): Uint8Array[] {
    const pieces: Uint8Array[] = [];
    let current = new Uint8Array(STREAM_PIECE_BYTES);
    let filled = 0;
    for (const part of this.parts) {
      for (let offset = 0; offset < part.byteLength;) {
        const take = Math.min(part.byteLength - offset, STREAM_PIECE_BYTES - filled);
        current.set(part.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === STREAM_PIECE_BYTES) {
          pieces.push(current);
          current = new Uint8Array(STREAM_PIECE_BYTES);
          filled = 0;
        }
      }
    }
    if (filled > 0) pieces.push(current.subarray(0, filled));
    return pieces;
  }
}

export function isReadableStream(value: unknown): value is ReadableStream<unknown> {
  return typeof ReadableStream !== 'undefined' && value instanceof ReadableStream;
}

function namedError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

/** Reads the stream to its end; only ArrayBuffer and typed-array chunks are accepted. */
export async function collectStream(stream: ReadableStream<unknown>, stepName: string): Promise<CollectedStream> {
  if (stream.locked) {
    throw namedError('InvalidStepReadableStreamError', `Step "${stepName}" returned a locked ReadableStream; return a fresh, unlocked one`);
  }
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const bytes =
        value instanceof ArrayBuffer
          ? new Uint8Array(value)
          : ArrayBuffer.isView(value)
            ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
            : undefined;
      if (!bytes) {
        await reader.cancel().catch(() => undefined);
        throw namedError(
          'UnsupportedStreamChunkError',
          `Step "${stepName}" streamed a chunk of type ${value === null ? 'null' : typeof value}; only ArrayBuffer and typed-array chunks are stored`,
        );
      }
      size += bytes.byteLength;
      if (size > MAX_STREAM_BYTES) {
        await reader.cancel().catch(() => undefined);
        throw new PayloadTooLargeError(`Step "${stepName}" stream`, size, MAX_STREAM_BYTES);
      }
      parts.push(bytes.slice()); // a copy: the producer may reuse its buffer
    }
  } finally {
    reader.releaseLock();
  }
  return new CollectedStream(parts);
}

/** A fresh stream over pieces, each made only when the reader gets to it. */
export function streamOf(count: number, piece: (index: number) => Uint8Array): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (next < count) controller.enqueue(piece(next++));
        else controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}
