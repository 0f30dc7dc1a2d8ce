// A workflow that takes a step, sleeps, and takes another: its sleep spans two processes in the trace tests.
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';

export class Nap extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.do('before', async () => 'a');
    await step.sleep('nap', 300);
    return step.do('after', async () => 'b');
  }
}
