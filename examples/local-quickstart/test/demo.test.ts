// The demo's workflow end to end, in process (vitest resolves @cairn/* to the sources): the narration
// shows the retries, the sleep, the event and the parallel steps, and the instance completes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runDemo } from '../src/demo.ts';

const dir = mkdtempSync(join(tmpdir(), 'cairn-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('runs the order workflow to completion on SQLite with the local runner', async () => {
  const lines: string[] = [];
  const result = await runDemo({ dbPath: join(dir, 'demo.db'), say: (line) => lines.push(line), approvalDelayMs: 100 });

  expect(result.status).toEqual({
    status: 'complete',
    output: {
      orderId: 'order-42',
      paymentId: 'pay_order-42',
      approvedBy: 'dana@example.com',
      reservationId: 'res_order-42',
      messageId: 'msg_order-42',
    },
  });
  const at = (text: string) => {
    const index = lines.findIndex((line) => line.includes(text));
    expect(index, `a line with ${JSON.stringify(text)} in:\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0);
    return index;
  };
  const order = [
    at('charging 129 EUR for order-42 (attempt 1)'),
    at('"charge payment" attempt 1 failed: payment provider timed out; retrying in 250ms'),
    at('"charge payment" attempt 2 failed'),
    at('"charge payment" completed on attempt 3'),
    at('"fraud-check cool-off" sleeping 3s'),
    at('"manager approval" waiting for event "order-approved"'),
    at('sent event "order-approved"'),
    at('"manager approval" received event "order-approved"'),
    at('instance complete'),
  ];
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  // Both parallel steps start before either finishes.
  const started = Math.max(at('reserving stock for order-42'), at('emailing the customer about order-42'));
  expect(started).toBeLessThan(Math.min(at('"reserve stock" completed'), at('"send confirmation email" completed')));
  // Each attempt ran once: the retries are journaled, not re-run on replay.
  expect(lines.filter((line) => line.includes('charging 129 EUR'))).toHaveLength(3);
  expect(result.elapsedMs).toBeGreaterThanOrEqual(3_000);
}, 30_000);
