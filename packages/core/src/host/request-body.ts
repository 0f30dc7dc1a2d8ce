// The body of a node:http request handed to a fetch handler, and the drain of what the handler left unread.

import type { IncomingMessage } from 'node:http';

export interface RequestBody {
  stream: ReadableStream<Uint8Array>;
  /** Stops feeding the stream: what arrives later is not queued for it. */
  detach(): void;
}

/**
 * The request's body as a web stream that reads `req` as it is pulled. Cancelling it (a handler refusing a body
 * over its limit) stops reading without destroying `req`: destroying an unfinished request destroys its socket,
 * and a client still sending would get a reset instead of the answer.
 */
export function requestBodyOf(req: IncomingMessage): RequestBody {
  let open = true;
  let onData: (chunk: Buffer) => void = () => undefined;
  const detach = () => {
    open = false;
    req.off('data', onData);
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        onData = (chunk) => {
          if (!open) return;
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 1) <= 0) req.pause();
        };
        const end = (error?: Error) => {
          if (!open) return;
          detach();
          if (error) controller.error(error);
          else controller.close();
        };
        req.pause();
        req.on('data', onData);
        req.once('end', () => end());
        req.once('error', (error) => end(error));
        req.once('close', () => {
          if (!req.complete) end(new Error('the client closed the connection before the request body ended'));
        });
      },
      pull() {
        req.resume();
      },
      cancel() {
        detach();
        req.pause();
      },
    },
    { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
  );
  return { stream, detach };
}

/**
 * Reads and drops what is left of a body the handler did not read, up to `maxBytes` or `maxMs`. True when the
 * request ended (the connection can carry the answer and be kept), false when the bound was reached first.
 */
export function drainRest(req: IncomingMessage, maxBytes: number, maxMs: number): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  return new Promise((resolve) => {
    let left = maxBytes;
    const finish = (ended: boolean) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      left -= chunk.length;
      if (left < 0) finish(false);
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(req.complete);
    const timer = setTimeout(() => finish(false), maxMs);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    req.resume();
  });
}
