// @cairn/host-cloud-run: Cairn on Google Cloud Run — the wake endpoint for Cloud Tasks, the sweeper
// endpoint for Cloud Scheduler and the REST API, all behind OIDC or HMAC authentication.

export { createCloudRunHandler, type CloudRunHandler } from './handler.js';
export type { CloudRunHandlerOptions, HostRuntime } from './options.js';
export type { CloudRunAuthOptions } from './auth/authenticate.js';
// Request signatures are core's (every host verifies them the same way); re-exported for existing imports.
export { signRequest, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER, type SignRequestParams } from '@cairn/core';
export { GOOGLE_ISSUERS } from './auth/oidc.js';
export { serve, type ServeOptions, type ServingHandle } from './serve.js';
