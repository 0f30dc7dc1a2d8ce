// @cairn/host-node: Cairn in a long-lived Node process, on any store, optionally serving its HTTP surface.

export { createNodeHost, type NodeHost } from './node-host.js';
export { NodeHostSettingsSchema, type NodeHostOptions } from './options.js';
export { serveHost, type ServeHostOptions, type ServedHost } from './serve.js';
