// The code of an isolated tenant's Worker, run with `eval: true` (so it needs no file of its own, from dist or
// from the sources). It imports the tenant's module once, then runs one `run(event, step)` at a time as the
// engine asks (a Worker is reused by later replays of the same code), carrying every `step.*` call to the
// engine in the parent: the engine decides whether a step's callback runs (not for a step the journal holds)
// and asks the Worker to run it, attempt by attempt.

export const WORKER_SCRIPT = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const runs = new Map();
let Workflow;
const errorOf = (e) => ({ name: (e && e.name) || 'Error', message: e && e.message !== undefined ? String(e.message) : String(e), stack: e && e.stack ? String(e.stack) : undefined });
const toError = (d) => Object.assign(new Error(d.message), { name: d.name, stack: d.stack });
function stepFor(runId) {
  const calls = new Map();
  runs.set(runId, calls);
  let nextId = 0;
  const call = (op, name, args, callback) => {
    const id = ++nextId;
    return new Promise((resolve, reject) => {
      calls.set(id, { resolve, reject, callback });
      parentPort.postMessage({ type: 'call', runId, id, op, name, args });
    });
  };
  return {
    do(name, a, b) {
      const callback = typeof a === 'function' ? a : b;
      if (typeof callback !== 'function') return Promise.reject(new TypeError('step.do("' + name + '") needs a callback function'));
      return call('do', name, [typeof a === 'function' ? null : a], callback);
    },
    sleep: (name, duration) => call('sleep', name, [duration]),
    sleepUntil: (name, at) => call('sleepUntil', name, [at instanceof Date ? at.getTime() : at]),
    waitForEvent: (name, options) => call('waitForEvent', name, [options]).then((e) => ({ ...e, timestamp: new Date(e.timestamp) })),
  };
}
async function start(m) {
  const step = stepFor(m.runId);
  try {
    const context = { instanceId: m.ctx.instanceId, workflowName: m.ctx.workflowName, signal: new AbortController().signal, waitUntil: (p) => void Promise.resolve(p).catch(() => undefined) };
    const workflow = new Workflow(context, workerData.env);
    const value = await workflow.run({ payload: m.event.payload, timestamp: new Date(m.event.timestamp), instanceId: m.event.instanceId }, step);
    if (runs.has(m.runId)) parentPort.postMessage({ type: 'done', runId: m.runId, ok: true, value });
  } catch (e) {
    if (runs.has(m.runId)) parentPort.postMessage({ type: 'done', runId: m.runId, ok: false, error: errorOf(e) });
  } finally {
    runs.delete(m.runId);
  }
}
async function attempt(m) {
  const entry = runs.get(m.runId) && runs.get(m.runId).get(m.id);
  if (!entry) return;
  try {
    const value = await entry.callback(m.context);
    parentPort.postMessage({ type: 'attempt-result', runId: m.runId, attemptId: m.attemptId, ok: true, value });
  } catch (e) {
    parentPort.postMessage({ type: 'attempt-result', runId: m.runId, attemptId: m.attemptId, ok: false, error: errorOf(e) });
  }
}
parentPort.on('message', (m) => {
  if (m.type === 'start') return void start(m);
  if (m.type === 'attempt') return void attempt(m);
  if (m.type === 'drop') return void runs.delete(m.runId);
  if (m.type === 'settled') {
    const calls = runs.get(m.runId);
    const entry = calls && calls.get(m.id);
    if (!entry) return;
    calls.delete(m.id);
    if (m.ok) entry.resolve(m.value);
    else entry.reject(toError(m.error));
  }
});
(async () => {
  const { code } = workerData;
  const url = code.file !== undefined
    ? pathToFileURL(code.file).href + '?version=' + encodeURIComponent(code.version)
    : 'data:text/javascript;base64,' + Buffer.from(code.text).toString('base64');
  const namespace = await import(url);
  const isClass = (v) => typeof v === 'function' && v.prototype && typeof v.prototype.run === 'function';
  Workflow = code.exportName !== undefined ? namespace[code.exportName] : isClass(namespace.default) ? namespace.default : Object.values(namespace).find(isClass);
  if (typeof Workflow !== 'function') throw new TypeError('the tenant module exports no workflow class' + (code.exportName ? ' named ' + code.exportName : ''));
  parentPort.postMessage({ type: 'ready' });
})().catch((e) => parentPort.postMessage({ type: 'load-failed', error: errorOf(e) }));
`;
