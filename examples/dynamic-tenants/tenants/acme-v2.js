// acme's onboarding flow, edited: a different check-in, and a survey. Instances started on the first version
// never run this code.
import { WorkflowEntrypoint } from 'cloudflare:workers';

export class Onboarding extends WorkflowEntrypoint {
  async run(event, step) {
    const welcome = await step.do('welcome', async () => `Welcome aboard, ${event.payload.name}!`);
    await step.sleep('cool-off', event.payload.coolOffMs ?? 2000);
    const checkIn = await step.do('check-in', async () => `Need a hand, ${event.payload.name}?`);
    const survey = await step.do('survey', async () => 'sent');
    return { version: 'second', welcome, checkIn, survey };
  }
}
