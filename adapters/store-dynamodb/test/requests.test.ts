// What a workflow costs in DynamoDB requests: a real workflow of n steps (no waits) run by core's runtime
// with the default in-process scheduler, every command counted by SDK middleware.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { createRuntime, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createDynamoDBStore } from '@cairn/store-dynamodb';
import { localClient, startLocalDynamo, type LocalDynamo } from './helpers.js';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo?.stop();
});

class Steps extends WorkflowEntrypoint<Record<string, unknown>, { n: number }> {
  async run(event: WorkflowEvent<{ n: number }>, step: WorkflowStep) {
    let total = 0;
    for (let i = 0; i < event.payload.n; i++) total += await step.do(`step ${i}`, async () => i);
    return total;
  }
}

async function runCounted(n: number) {
  const tableName = await dynamo.freshTable();
  const client = localClient(dynamo.emulator.endpoint);
  const commands: Record<string, number> = {};
  let attempts = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands[context.commandName ?? '?'] = (commands[context.commandName ?? '?'] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  // Below the retry middleware: one per HTTP request actually sent.
  client.middlewareStack.add(
    (next) => async (args) => {
      attempts++;
      return next(args);
    },
    { step: 'deserialize', name: 'countAttempts' },
  );
  const runtime = createRuntime({ store: createDynamoDBStore({ client, tableName }), workflows: { STEPS: Steps } });
  const instance = await runtime.workflow('STEPS').create({ id: `run-${n}`, params: { n } });
  for (let i = 0; i < 600 && (await instance.status()).status !== 'complete'; i++) await new Promise((r) => setTimeout(r, 25));
  await runtime.idle();
  const status = await instance.status();
  await runtime.close();
  const polls = commands.GetItemCommand ?? 0;
  delete commands.GetItemCommand;
  client.destroy();
  await dynamo.dropTable(tableName);
  return { status, commands, attempts: attempts - polls };
}

describe('requests per workflow', () => {
  it('n steps cost n TransactWriteItems, plus create (Query + PutItem), acquire and finish (2 UpdateItem) and one Query per replay', async () => {
    for (const n of [1, 10, 40]) {
      const { status, commands, attempts } = await runCounted(n);
      expect(status).toEqual({ status: 'complete', output: (n * (n - 1)) / 2 });
      expect(commands).toEqual({
        QueryCommand: 2, // the leftover probe of createInstance, and the replay's loadJournal
        PutItemCommand: 1, // createInstance
        UpdateItemCommand: 2, // acquire the lease, finish
        TransactWriteItemsCommand: n, // one per step: lease check + create-if-absent
      });
      expect(attempts).toBe(n + 5);
    }
  });
});

class Approval extends WorkflowEntrypoint<Record<string, unknown>, { amount: number }> {
  async run(event: WorkflowEvent<{ amount: number }>, step: WorkflowStep) {
    const quote = await step.do('quote', async () => ({ total: event.payload.amount * 2, big: 'x'.repeat(500_000) }));
    await step.sleep('cool down', 20);
    const approval = await step.waitForEvent<{ ok: boolean }>('approval', { type: 'approved', timeout: '1 hour' });
    return { total: quote.total, size: quote.big.length, ok: approval.payload.ok };
  }
}

describe('a workflow end to end on DynamoDB', () => {
  it('sleeps, waits for an event, completes, and its items get the retention TTL', async () => {
    const tableName = await dynamo.freshTable();
    const runtime = createRuntime({
      store: createDynamoDBStore({ client: dynamo.client, tableName }),
      workflows: { APPROVAL: Approval },
      retention: '1 day',
    });
    const instance = await runtime.workflow('APPROVAL').create({ id: 'order-1', params: { amount: 21 } });
    for (let i = 0; i < 400 && (await instance.status()).status !== 'waiting'; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await instance.status()).status).toBe('waiting');
    await instance.sendEvent({ type: 'approved', payload: { ok: true } });
    for (let i = 0; i < 400 && (await instance.status()).status !== 'complete'; i++) await new Promise((r) => setTimeout(r, 25));
    await runtime.idle();
    expect(await instance.status()).toEqual({ status: 'complete', output: { total: 42, size: 500_000, ok: true } });
    await runtime.close();
    const items = await dynamo.client.send(
      new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'APPROVAL#order-1' } } }),
    );
    const ttl = (items.Items ?? []).map((item) => item.ttl?.N);
    expect(ttl.length).toBeGreaterThan(4);
    expect(new Set(ttl).size).toBe(1);
    expect(Number(ttl[0]) * 1000).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    await dynamo.dropTable(tableName);
  });
});
