// globex's approval flow: a request, then a wait for a person to approve it.
import { WorkflowEntrypoint } from 'cloudflare:workers';

export class Approval extends WorkflowEntrypoint {
  async run(event, step) {
    const request = await step.do('request', async () => ({ item: event.payload.item, at: Date.now() }));
    const decision = await step.waitForEvent('decision', { type: 'decision', timeout: '1 day' });
    return { item: request.item, approved: decision.payload.approved };
  }
}
