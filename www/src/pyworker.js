// The learner's sandbox worker: it loads the third build of the core (the full module plus the
// Python sandbox, www/pkg/mlops_loop_py*) and grades learners' gates. It is started only when a
// learner opens an editor (sandbox.js), never on the first load, and it is a worker of its own so
// that stopping a program (terminate) leaves the page's engine and its registry untouched.
//
// Protocol: as worker.js (engine.js's Engine is the other end) — page → worker: {id, method, args};
// worker → page: {ready, version, exports} | {id, ok: true, result} | {id, ok: false, error}.
import init, * as py from '../pkg/mlops_loop_py.js';

/** The exports the page may call here. */
const EXPORTS = ['version', 'learnerStarters', 'gradeLearnerTrigger', 'gradeLearnerGate', 'gradeLearnerTriggerPart',
  'gradeLearnerGatePart', 'mergeLearnerTrigger', 'mergeLearnerGate', 'learnerYear', 'warmBuiltinYear'];

const ready = init().then(() => {
  postMessage({ ready: true, version: py.version(), exports: EXPORTS.filter((n) => typeof py[n] === 'function') });
}).catch((e) => {
  postMessage({ ready: false, error: String(e?.message ?? e) });
});

onmessage = async (ev) => {
  const { id, method, args } = ev.data ?? {};
  try {
    await ready;
    if (!EXPORTS.includes(method) || typeof py[method] !== 'function') throw new Error(`unknown sandbox method ${method}`);
    postMessage({ id, ok: true, result: py[method](...(args ?? [])) });
  } catch (e) {
    postMessage({ id, ok: false, error: String(e?.message ?? e) });
  }
};
