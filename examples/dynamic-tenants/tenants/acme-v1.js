// acme's onboarding flow, first version: a welcome, a cooling-off sleep, then a check-in.
import { WorkflowEntrypoint } from 'cloudflare:workers';

export class Onboarding extends WorkflowEntrypoint {
  async run(event, step) {
    const welcome = await step.do('welcome', async () => `Welcome, ${event.payload.name}!`);
    await step.sleep('cool-off', event.payload.coolOffMs ?? 2000);
    const checkIn = await step.do('check-in', async () => `How is it going, ${event.payload.name}?`);
    return { version: 'first', welcome, checkIn };
  }
}
