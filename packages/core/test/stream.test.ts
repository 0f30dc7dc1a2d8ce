// Step results as streams: read within the attempt, recorded as pieces, handed back as a new stream on replay.
import { describe, expect, it } from 'vitest';
import { createMemoryStore, createRuntime, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { faultyStore } from './support/faulty-store.js';
import { eventually, virtualRuntime } from './support/harness.js';

/** `size` bytes, byte i = i % 251, delivered in chunks of `chunk` bytes. */
function bytesStream(size: number, chunk: number, kind: 'uint8' | 'buffer' | 'string' = 'uint8'): ReadableStream<unknown> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      const n = Math.min(chunk, size - sent);
      const bytes = Uint8Array.from({ length: n }, (_, i) => (sent + i) % 251);
      sent += n;
      controller.enqueue(kind === 'buffer' ? bytes.buffer : kind === 'string' ? 'text' : bytes);
    },
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<{ size: number; ok: boolean }> {
  let size = 0;
  let ok = true;
  for await (const piece of stream as unknown as AsyncIterable<Uint8Array>) {
    for (let i = 0; i < piece.length; i++) if (piece[i] !== (size + i) % 251) ok = false;
    size += piece.length;
  }
  return { size, ok };
}

const SIZE = 1_700_000; // beyond the 1 MiB limit of values: streams are not held to it

describe('streamed step results', () => {
  it('a stream beyond 1 MiB is recorded as pieces and replayed as a new stream without calling the callback', async () => {
    let calls = 0;
    const reads: Array<{ size: number; ok: boolean }> = [];
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          const stream = await step.do('download', async () => (calls++, bytesStream(SIZE, 100_000, 'buffer')) as ReadableStream<Uint8Array>);
          reads.push(await readAll(stream));
          await step.sleep('later', '1 hour');
          return (await readAll(await step.do('download', async () => (calls++, bytesStream(10, 3)) as ReadableStream<Uint8Array>))).size;
        }
      },
    });
    const instance = await h.runtime.workflow('W').create({ id: 's' });
    expect(await h.until(instance)).toEqual({ status: 'complete', output: 10 });
    expect(calls).toBe(2);
    expect(reads).toEqual([
      { size: SIZE, ok: true },
      { size: SIZE, ok: true },
    ]);
    const journal = (await h.store.loadJournal({ workflowName: 'W', instanceId: 's' }))!;
    const pieces = journal.steps.filter((s) => s.key === 'do:download-1' && s.state === 'chunk');
    expect(pieces).toHaveLength(Math.ceil(SIZE / (512 * 1024)));
    expect(pieces.every((p) => p.value!.length < 1024 * 1024)).toBe(true);
    expect(journal.steps.find((s) => s.id === 'do:download-1')).toMatchObject({ state: 'completed', chunks: pieces.length });
  });

  it('chunks that are not bytes fail the attempt with UnsupportedStreamChunkError; a locked stream with InvalidStepReadableStreamError', async () => {
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          const failures: string[] = [];
          for (const make of [
            () => bytesStream(10, 5, 'string'),
            () => {
              const s = bytesStream(10, 5);
              s.getReader();
              return s;
            },
          ]) {
            try {
              await step.do('bad', { retries: { limit: 1, delay: 0 } }, async () => make() as ReadableStream<Uint8Array>);
            } catch (error) {
              failures.push((error as Error).name);
            }
          }
          return failures;
        }
      },
    });
    expect((await h.until(await h.runtime.workflow('W').create())).output).toEqual(['UnsupportedStreamChunkError', 'InvalidStepReadableStreamError']);
  });

  it('pieces of an attempt whose outcome was never written are not mixed into the next one', async () => {
    const inner = createMemoryStore();
    let failOutcome = true;
    const store = faultyStore(inner, {
      before: (method, params) => {
        if (method === 'recordStep' && params.step.id === 'do:download-1' && failOutcome) {
          failOutcome = false;
          throw new Error('the outcome write is lost');
        }
      },
    });
    let version = 0;
    const runtime = createRuntime({
      store,
      onError: () => undefined,
      workflows: {
        W: class extends WorkflowEntrypoint {
          async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
            const stream = await step.do('download', async () => {
              version++;
              const offset = version === 1 ? 7 : 0; // the lost attempt streams other bytes
              return new ReadableStream({
                start(c) {
                  c.enqueue(Uint8Array.from({ length: 600_000 }, (_, i) => (i + offset) % 251));
                  c.close();
                },
              });
            });
            return readAll(stream as ReadableStream<Uint8Array>);
          }
        },
      },
    });
    const instance = await runtime.workflow('W').create({ id: 'x' });
    const status = await eventually(async () => {
      const current = await instance.status();
      return current.status === 'complete' && current;
    });
    expect(status.output).toEqual({ size: 600_000, ok: true });
    expect(version).toBe(2);
    await runtime.close();
  });

  it("a streamed step's rollback gets its output as a fresh stream", async () => {
    const undone: Array<{ size: number; ok: boolean }> = [];
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          const stream = await step.do('export', async () => bytesStream(700_000, 65_536) as ReadableStream<Uint8Array>, {
            rollback: async ({ output }) => void undone.push(await readAll(output as ReadableStream<Uint8Array>)),
          });
          await readAll(stream);
          throw new Error('later failure');
        }
      },
    });
    expect((await h.until(await h.runtime.workflow('W').create())).rollback).toEqual({ outcome: 'complete', error: null });
    expect(undone).toEqual([{ size: 700_000, ok: true }]);
  });
});
