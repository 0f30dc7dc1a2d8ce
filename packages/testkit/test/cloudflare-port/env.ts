// What `cloudflare:workers` gives the fixture's tests, built as its wrangler.jsonc describes: the binding
// MODERATOR for the class ModeratorWorkflow, named "moderator-workflow", and the worker's default export.
import { createTestEnvironment } from '@cairn/testkit';
import worker, { ModeratorWorkflow } from './src/index.js';

const testEnvironment = createTestEnvironment({
  workflows: { MODERATOR: { workflow: ModeratorWorkflow, name: 'moderator-workflow' } },
});

export const env: Env = testEnvironment.runtime.env;

export const exports = {
  default: { fetch: (input: string | URL | Request, init?: RequestInit) => worker.fetch(new Request(input, init), env) },
};
