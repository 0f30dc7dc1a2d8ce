// @cairn/host-cloud-run: Cairn on Google Cloud Run — the wake endpoint for Cloud Tasks, the sweeper
// endpoint for Cloud Scheduler and the REST API, all behind OIDC or HMAC authentication.

export { createCloudRunHandler, type CloudRunHandler } from './handler.js';
export type { CloudRunHandlerOptions, HostRuntime } from './options.js';
export type { CloudRunAuthOptions } from './auth/authenticate.js';
export { signRequest, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER, type SignRequestParams } from './auth/hmac.js';
export { GOOGLE_ISSUERS } from './auth/oidc.js';
export { serve, type ServeOptions, type ServingHandle } from './serve.js';
