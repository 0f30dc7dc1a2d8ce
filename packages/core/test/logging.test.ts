// The runtime's logger: Cairn's own records, structured and quiet by default; console- and pino-shaped
// loggers; and the replay-aware `this.logger` of workflow code, which writes a line once per instance however
// often run() is replayed.
import { describe, expect, it } from 'vitest';
import { CairnError, WorkflowEntrypoint, createMemoryStore, createRuntime, type CairnLogger, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

type Line = { level: string; args: unknown[] };

function consoleShaped(lines: Line[]): CairnLogger {
  const at =
    (level: string) =>
    (...args: unknown[]) =>
      void lines.push({ level, args });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

class Chatty extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    this.logger.info('started');
    await step.sleep('first', '1 hour');
    this.logger.info('after the first sleep', { n: 1 });
    await step.sleep('second', '1 hour');
    this.logger.info('after the second sleep');
    await step.do('work', async () => {
      this.logger.info('inside the step');
      return 1;
    });
    await step.sleep('third', '1 hour');
    this.logger.warn('done sleeping');
    return 'ok';
  }
}

class Broken extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.do('charge', { retries: { limit: 0, delay: 0 } }, async () => {
      throw new Error('card declined');
    });
  }
}

async function runToEnd(h: ReturnType<typeof virtualRuntime>, name: string, id: string) {
  const instance = await h.runtime.workflow(name).create({ id });
  for (let i = 0; i < 5 && !['complete', 'errored'].includes((await instance.status()).status); i++) {
    await h.until(instance, 'waiting', 'complete', 'errored');
    await h.clock.advance(3_600_000);
  }
  return h.until(instance);
}

describe('the logger', () => {
  it("workflow code's this.logger writes each line once, though run() is replayed after three suspensions", async () => {
    const lines: Line[] = [];
    const h = virtualRuntime({ CHATTY: Chatty }, { logger: consoleShaped(lines) });
    expect(await runToEnd(h, 'CHATTY', 'c-1')).toEqual({ status: 'complete', output: 'ok' });
    expect(lines.map(({ level, args }) => [level, args[0]])).toEqual([
      ['info', 'started'],
      ['info', 'after the first sleep'],
      ['info', 'after the second sleep'],
      ['info', 'inside the step'],
      ['warn', 'done sleeping'],
    ]);
    expect(lines[1]!.args[1]).toEqual({ workflow: 'CHATTY', instance: 'c-1', n: 1 });
    await h.runtime.close();
  });

  it("Cairn's own records are quiet by default: a healthy run writes nothing, a failed step and an errored instance warn, with fields", async () => {
    const lines: Line[] = [];
    const h = virtualRuntime(
      {
        BROKEN: Broken,
        CHATTY: class extends WorkflowEntrypoint {
          async run() {
            return 1;
          }
        },
      },
      { logger: consoleShaped(lines) },
    );
    await runToEnd(h, 'CHATTY', 'fine');
    expect(lines).toEqual([]);
    expect((await runToEnd(h, 'BROKEN', 'b-1')).status).toBe('errored');
    expect(lines.map(({ level, args }) => [level, args[0]])).toEqual([
      ['warn', '[cairn] step "charge" failed'],
      ['warn', '[cairn] instance running -> errored'],
    ]);
    expect(lines[0]!.args[1]).toMatchObject({
      workflow: 'BROKEN',
      instance: 'b-1',
      step: 'charge',
      kind: 'do',
      attempt: 1,
      outcome: 'failed',
      error: { name: 'Error', message: 'card declined' },
    });
    await h.runtime.close();
  });

  it("logLevel 'debug' writes every step, status change and replay; a pino-shaped logger gets (fields, message)", async () => {
    const calls: Array<[string, unknown, unknown]> = [];
    const at = (level: string) => (fields: unknown, message: unknown) => void calls.push([level, fields, message]);
    const pino = { level: 'debug', child: () => pino, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    const h = virtualRuntime({ BROKEN: Broken }, { logger: pino, logLevel: 'debug' });
    await runToEnd(h, 'BROKEN', 'p-1');
    expect(calls.map(([level, , message]) => `${level} ${String(message)}`)).toEqual([
      'info instance new -> queued',
      'info instance queued -> running',
      'warn step "charge" failed',
      'warn instance running -> errored',
      'debug replay errored',
    ]);
    expect(calls[0]![1]).toEqual({ workflow: 'BROKEN', instance: 'p-1', from: null, to: 'queued' });
    await h.runtime.close();
  });

  it('with a logger, failures no caller sees go to logger.error (unless onError is given)', async () => {
    const lines: Line[] = [];
    const h = virtualRuntime({ CHATTY: Chatty }, { logger: consoleShaped(lines), hooks: { onReplay: () => Promise.reject(new Error('hook bug')) } });
    await runToEnd(h, 'CHATTY', 'e-1');
    const errors = lines.filter((line) => line.level === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.args[0]).toBe('[cairn] hook onReplay of CHATTY/e-1 failed');
    expect(errors[0]!.args[1]).toMatchObject({ workflow: 'CHATTY', instance: 'e-1', operation: 'hook onReplay' });
    await h.runtime.close();
  });

  it('a logger without the four methods, or an unknown level, is a typed error', () => {
    for (const options of [{ logger: { info: () => {} } }, { logger: console, logLevel: 'verbose' }]) {
      const error = (() => {
        try {
          createRuntime({ store: createMemoryStore(), workflows: { CHATTY: Chatty }, ...(options as object) });
        } catch (e) {
          return e;
        }
      })();
      expect(CairnError.is(error, 'invalid_input'), JSON.stringify(Object.keys(options))).toBe(true);
    }
  });
});
