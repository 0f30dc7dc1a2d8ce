// Acceptance: a workflow written for Cloudflare (its starter template, with the retry, NonRetryableError and
// parallel-step snippets from its docs) runs unchanged on Cairn except for the import lines.
import { afterEach, describe, expect, it, vi } from 'vitest';
// --- was: import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
// ---      import { NonRetryableError } from 'cloudflare:workflows';
import { WorkflowEntrypoint, NonRetryableError, type WorkflowStep, type WorkflowEvent, type Workflow } from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

// ----------------------------------------------------------------- copied from Cloudflare, unchanged
type Env = {
  // Add your bindings here, e.g. Workers KV, D1, Workers AI, etc.
  MY_WORKFLOW: Workflow;
};

// User-defined params passed to your workflow
type Params = {
  email: string;
  metadata: Record<string, string>;
};

export class MyWorkflow extends WorkflowEntrypoint<Env, Params> {
  async run(event: WorkflowEvent<Params>, step: WorkflowStep) {
    // Can access bindings on `this.env`
    // Can access params on `event.payload`

    const files = await step.do('my first step', async () => {
      // Fetch a list of files from $SOME_SERVICE
      return {
        inputParams: event,
        files: [
          'doc_7392_rev3.pdf',
          'report_x29_final.pdf',
          'memo_2024_05_12.pdf',
          'file_089_update.pdf',
          'proj_alpha_v2.pdf',
          'data_analysis_q2.pdf',
          'notes_meeting_52.pdf',
          'summary_fy24_draft.pdf',
        ],
      };
    });

    // You can optionally have a Workflow wait for additional data,
    // human approval or an external webhook or HTTP request, before progressing.
    const waitForApproval = await step.waitForEvent('request-approval', {
      type: 'approval', // define an optional key to switch on
      timeout: '1 minute', // keep it short for the example!
    });

    const apiResponse = await step.do('some other step', async () => {
      let resp = await fetch('https://api.cloudflare.com/client/v4/ips');
      // @ts-expect-error Cloudflare's workers-types declare a generic Response.json<T>(); Node's types do not.
      return await resp.json<any>();
    });

    await step.sleep('wait on something', '1 minute');

    await step.do(
      'make a call to write that could maybe, just might, fail',
      // Define a retry strategy
      {
        retries: {
          limit: 5,
          delay: '5 second',
          backoff: 'exponential',
        },
        timeout: '15 minutes',
      },
      async () => {
        // Do stuff here, with access to the state from our previous steps
        if (Math.random() > 0.5) {
          throw new Error('API call to $STORAGE_SYSTEM failed');
        }
      },
    );

    // Parallel steps
    const [thumbnails, index] = await Promise.all([
      step.do('make thumbnails', async () => files.files.map((file) => file.replace('.pdf', '.png'))),
      step.do('index files', async () => files.files.length),
    ]);

    try {
      await step.do('validate payload', async () => {
        if (!event.payload.metadata['plan']) {
          throw new NonRetryableError('event.payload.metadata.plan did not contain the expected payload');
        }
      });
    } catch (e) {
      // Catch the NonRetryableError and continue
      await step.do('notify', async () => `no plan for ${event.payload.email}`);
    }

    return { approved: waitForApproval.payload, ips: (apiResponse as { result: { ipv4_cidrs: string[] } }).result.ipv4_cidrs, thumbnails, index };
  }
}
// ----------------------------------------------------------------- end of the copied code

describe('a workflow copied from Cloudflare', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('reaches complete with the same output', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ result: { ipv4_cidrs: ['173.245.48.0/20'] } })));
    let calls = 0;
    const random = vi.spyOn(Math, 'random').mockImplementation(() => (++calls <= 2 ? 0.9 : 0.1)); // fails twice, then works
    const h = virtualRuntime({ MY_WORKFLOW: MyWorkflow });
    const instance = await (h.runtime.env.MY_WORKFLOW as Workflow<Params>).create({
      id: 'cf-example',
      params: { email: 'ada@example.com', metadata: { source: 'docs' } },
    });
    await h.until(instance, 'waiting');
    await instance.sendEvent({ type: 'approval', payload: { approvedBy: 'grace' } });
    calls = 0;
    const status = await h.until(instance);
    random.mockRestore();
    expect(status).toEqual({
      status: 'complete',
      output: {
        approved: { approvedBy: 'grace' },
        ips: ['173.245.48.0/20'],
        thumbnails: [
          'doc_7392_rev3.png',
          'report_x29_final.png',
          'memo_2024_05_12.png',
          'file_089_update.png',
          'proj_alpha_v2.png',
          'data_analysis_q2.png',
          'notes_meeting_52.png',
          'summary_fy24_draft.png',
        ],
        index: 8,
      },
    });
    const journal = (await h.store.loadJournal({ workflowName: 'MY_WORKFLOW', instanceId: 'cf-example' }))!;
    const attempts = journal.steps.filter((s) => s.name === 'make a call to write that could maybe, just might, fail');
    expect(attempts.map((s) => [s.state, s.attempt])).toEqual([
      ['attempt-failed', 1],
      ['attempt-failed', 2],
      ['completed', 3],
    ]);
    expect(attempts[1]!.wakeAt! - attempts[0]!.wakeAt!).toBe(10_000); // 5 s, then 10 s: exponential
    expect(journal.steps.some((s) => s.name === 'notify' && s.state === 'completed')).toBe(true);
  });
});
