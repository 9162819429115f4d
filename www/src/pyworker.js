// The learner's sandbox worker: it loads the third build of the core (the full module plus the
// Python sandbox, www/pkg/mlops_loop_py*) and grades learners' gates. It is started only when a
// learner opens an editor (sandbox.js), never on the first load, and it is a worker of its own so
// that stopping a program (terminate) leaves the page's engine and its registry untouched.
//
// Protocol: as worker.js (engine.js's Engine is the other end) — page → worker:
// {wasm: WebAssembly.Module | null} (first: the module the page compiled once for every sandbox
// worker, so that they share its compiled code; null: fetch it here) | {id, method, args};
// worker → page: {ready, version, exports} | {id, ok: true, result} | {id, ok: false, error} |
// {beat: ms} (the learner's call is still moving and may go `ms` without another beat: the core's
// `python::beat`, read by sandbox.js's watchdog).
import init, * as py from '../pkg/mlops_loop_py.js';

// Called by the core during a learner's call (src/python/mod.rs `beat`, passed on by
// src/wasm/learner.rs `page_beat` at most every 200 ms).
globalThis.__mlopsLoopBeat = (ms) => postMessage({ beat: ms });

/** The exports the page may call here. */
const EXPORTS = ['version', 'learnerStarters', 'gradeLearnerTrigger', 'gradeLearnerGate', 'gradeLearnerTriggerPart',
  'gradeLearnerGatePart', 'mergeLearnerTrigger', 'mergeLearnerGate', 'learnerYear', 'warmBuiltinYear'];

let fromPage;
const compiled = new Promise((resolve) => { fromPage = resolve; });
const ready = compiled.then((module) => init(module ? { module_or_path: module } : undefined)).then(() => {
  postMessage({ ready: true, version: py.version(), exports: EXPORTS.filter((n) => typeof py[n] === 'function') });
}).catch((e) => {
  postMessage({ ready: false, error: String(e?.message ?? e) });
});

onmessage = async (ev) => {
  const msg = ev.data ?? {};
  if (msg.wasm !== undefined) {
    fromPage(msg.wasm instanceof WebAssembly.Module ? msg.wasm : null);
    return;
  }
  const { id, method, args } = msg;
  try {
    await ready;
    if (!EXPORTS.includes(method) || typeof py[method] !== 'function') throw new Error(`unknown sandbox method ${method}`);
    postMessage({ id, ok: true, result: py[method](...(args ?? [])) });
  } catch (e) {
    postMessage({ id, ok: false, error: String(e?.message ?? e) });
  }
};
