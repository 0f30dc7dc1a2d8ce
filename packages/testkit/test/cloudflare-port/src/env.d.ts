// What `wrangler types` generates for the fixture's wrangler.jsonc, with Cairn's Workflow type.
interface Env {
  MODERATOR: import('@cairn/core').Workflow<Parameters<import('./index').ModeratorWorkflow['run']>[0]['payload']>;
}
