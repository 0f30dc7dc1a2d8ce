// The code of an isolated tenant's Worker, run with `eval: true` (so it needs no file of its own, from dist or
// from the sources). It imports the tenant's module, runs its `run(event, step)`, and carries every `step.*`
// call to the engine in the parent: the engine decides whether a step's callback runs (it is not run for a step
// the journal holds) and asks the Worker to run it, attempt by attempt.

export const WORKER_SCRIPT = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const calls = new Map();
let nextId = 0;
const errorOf = (e) => ({ name: (e && e.name) || 'Error', message: e && e.message !== undefined ? String(e.message) : String(e), stack: e && e.stack ? String(e.stack) : undefined });
const toError = (d) => Object.assign(new Error(d.message), { name: d.name, stack: d.stack });
function call(op, name, args, callback) {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    calls.set(id, { resolve, reject, callback });
    parentPort.postMessage({ type: 'call', id, op, name, args });
  });
}
const step = {
  do(name, a, b) {
    const callback = typeof a === 'function' ? a : b;
    if (typeof callback !== 'function') return Promise.reject(new TypeError('step.do("' + name + '") needs a callback function'));
    return call('do', name, [typeof a === 'function' ? null : a], callback);
  },
  sleep: (name, duration) => call('sleep', name, [duration]),
  sleepUntil: (name, at) => call('sleepUntil', name, [at instanceof Date ? at.getTime() : at]),
  waitForEvent: (name, options) => call('waitForEvent', name, [options]).then((e) => ({ ...e, timestamp: new Date(e.timestamp) })),
};
parentPort.on('message', async (m) => {
  if (m.type === 'attempt') {
    const entry = calls.get(m.id);
    try {
      const value = await entry.callback(m.context);
      parentPort.postMessage({ type: 'attempt-result', attemptId: m.attemptId, ok: true, value });
    } catch (e) {
      parentPort.postMessage({ type: 'attempt-result', attemptId: m.attemptId, ok: false, error: errorOf(e) });
    }
  } else if (m.type === 'settled') {
    const entry = calls.get(m.id);
    calls.delete(m.id);
    if (m.ok) entry.resolve(m.value);
    else entry.reject(toError(m.error));
  }
});
(async () => {
  const { code, event, env, ctx } = workerData;
  const url = code.file !== undefined
    ? pathToFileURL(code.file).href + '?version=' + encodeURIComponent(code.version)
    : 'data:text/javascript;base64,' + Buffer.from(code.text).toString('base64');
  const namespace = await import(url);
  const isClass = (v) => typeof v === 'function' && v.prototype && typeof v.prototype.run === 'function';
  const Workflow = code.exportName !== undefined ? namespace[code.exportName] : isClass(namespace.default) ? namespace.default : Object.values(namespace).find(isClass);
  if (typeof Workflow !== 'function') throw new TypeError('the tenant module exports no workflow class' + (code.exportName ? ' named ' + code.exportName : ''));
  const context = { instanceId: ctx.instanceId, workflowName: ctx.workflowName, signal: new AbortController().signal, waitUntil: (p) => void Promise.resolve(p).catch(() => undefined) };
  const workflow = new Workflow(context, env);
  const value = await workflow.run({ payload: event.payload, timestamp: new Date(event.timestamp), instanceId: event.instanceId }, step);
  parentPort.postMessage({ type: 'done', ok: true, value });
})().catch((e) => parentPort.postMessage({ type: 'done', ok: false, error: errorOf(e) }));
`;
