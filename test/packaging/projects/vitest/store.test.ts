// The testkit under this project's vitest: the conformance suite on the memory store, and Cloudflare's test API.
import { expect, it } from 'vitest';
import { WorkflowEntrypoint, createMemoryStore, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createTestEnvironment, describeStoreConformance, introspectWorkflowInstance } from '@cairn/testkit';

describeStoreConformance('memory', async () => ({ store: createMemoryStore() }));

class Scan extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.sleep('settle', '1 hour');
    return step.do('scan', async () => ({ score: Math.random() }));
  }
}

it("Cloudflare's test API", async () => {
  const environment = createTestEnvironment({ workflows: { SCAN: Scan } });
  await using instance = await introspectWorkflowInstance(environment.runtime.env.SCAN, 's-1');
  await instance.modify(async (m) => {
    await m.disableSleeps();
    await m.mockStepResult({ name: 'scan' }, { score: 0 });
  });
  await environment.runtime.env.SCAN.create({ id: 's-1' });
  await instance.waitForStatus('complete');
  expect(await instance.getOutput()).toEqual({ score: 0 });
  await environment.close();
});
