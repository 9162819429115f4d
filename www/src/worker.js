// The engine's Web Worker: it loads the WASM core itself and answers the page's requests (see
// engine.js for the other end), so the main thread never waits on a computation.
//
// Protocol — page → worker: {wasm: WebAssembly.Module | null, full: boolean} (first) | {id, method, args} | {cancel: id}
//            worker → page: {ready, version, exports, defaults, limits} | {id, progress: {done, total}}
//                           | {id, ok: true, result} | {id, ok: false, error}
// Long simulations (many trials) run in chunks; between chunks the worker reports progress and
// yields to its event loop so that a cancel message can arrive.
//
// Two builds of the core (docs/wasm-api.md): the lite module, loaded at start, has everything the
// first page load and the light panels need; the full module (the same crate with the registry
// and the loop) is imported the first time a call needs one of its exports, and only then. A page
// opened on a panel that needs the full module at once (engine.js, FULL_FIRST) sends `full: true`
// with the full module compiled: the worker then starts on it and never loads the lite one (such a
// worker runs worker-full.js, this script with the full glue imported statically).
import init, * as lite from '../pkg/mlops_loop_lite.js';

// Performance marks of the worker's start, read by `make bench` (scripts/bench-browser.mjs) to break
// the cold load down: the script running, the page's module arriving, `ready` posted, and the
// first call's start and end (once each, so a long session adds nothing).
performance.mark('engine-worker-run');

/** Exports only the full module has; reported as present (they load on first use). */
const FULL_ONLY = ['runLoop', 'Registry', 'failuresShown', 'compareYears'];
/** The full module's namespace once it is initialised. */
let full = null;
let fullLoading = null;

let fullGlue = null;
/** The full module's glue (its JavaScript), imported once. */
const glue = () => (fullGlue ??= import('../pkg/mlops_loop.js').catch((e) => { fullGlue = null; throw e; }));

/** Import and initialise the full module once (a failed attempt may be retried by the next call). */
function loadFull(module) {
  fullLoading ??= glue()
    .then(async (m) => { await m.default(module ? { module_or_path: module } : undefined); full = m; return m; })
    .catch((e) => {
      fullLoading = null;
      throw new Error(`the full engine module failed to load: ${e?.message ?? e}`);
    });
  return fullLoading;
}

/** The module every call goes to first: the lite one, or the full one when the worker started on it. */
let base = lite;

const cancelled = new Set();
/** Call a core export by name (looked up at run time: exports arrive with newer builds of the core). */
const api = (name) => (typeof base[name] === 'function' ? base[name] : full?.[name]);

/** Make sure the export `name` is loaded (importing the full module if only it has `name`). */
async function provide(name) {
  if (typeof api(name) === 'function') return;
  if (FULL_ONLY.includes(name)) await loadFull();
  if (typeof api(name) !== 'function') throw new Error(`${name} is not in this build of the core yet`);
}
let registry = null;

/** Yield to the worker's event loop (lets a cancel message in). */
const tick = () => new Promise((r) => setTimeout(r, 0));

class Cancelled extends Error {
  constructor() { super('cancelled'); this.name = 'Cancelled'; }
}

/**
 * Run `fn(start, count)` over `total` items in chunks sized to take ~80 ms each, posting progress.
 * Returns the chunks' results in order (the core merges them: `mergeDriftTrials` and
 * `mergePromotionTrials`).
 */
async function chunked(id, total, fn) {
  const parts = [];
  let done = 0;
  let size = 1;
  while (done < total) {
    if (cancelled.has(id)) throw new Cancelled();
    const n = Math.min(size, total - done);
    const t0 = performance.now();
    parts.push(fn(done, n));
    const dt = performance.now() - t0;
    done += n;
    postMessage({ id, progress: { done, total } });
    // Aim at ~80 ms per chunk: short enough to stay responsive to cancel, long enough to be cheap.
    size = Math.max(1, Math.min(total, Math.round(n * Math.min(4, 80 / Math.max(dt, 1)))));
    await tick();
  }
  return parts;
}

/** Many no-drift (or drifted) KS checks: `core.driftTrials` in chunks, with progress. */
async function driftTrials(id, params) {
  if (params.trials == null) return api('driftTrials')(params); // the core's default count, in one go
  const total = params.trials;
  const parts = await chunked(id, total,
    (start, n) => api('driftTrials')({ ...params, trials: n, start: (params.start ?? 0) + start }));
  return api('mergeDriftTrials')(parts);
}

/** Many promotion rounds where the candidate is no better: `core.promotionTrials` in chunks. */
async function promotionTrials(id, params) {
  if (params.rounds == null) return api('promotionTrials')(params); // the core's default count, in one go
  const total = params.rounds;
  const parts = await chunked(id, total,
    (start, n) => api('promotionTrials')({ ...params, rounds: n, start: (params.start ?? 0) + start }));
  return api('mergePromotionTrials')(parts);
}

/**
 * A sweep: `driftTrials` at each value of one parameter (a power curve, the large-sample effect).
 * Rows: `{[key]: value, trials, alarms, alarm_rate}` (the rate with its interval, from the core).
 */
async function driftSweep(id, { base, key, values }) {
  const trials = api('checkSweep')({ key, trials: base.trials }); // the core's limit per value (trials is required)
  const total = trials * values.length;
  const rows = [];
  let doneBefore = 0;
  for (const v of values) {
    const parts = await chunked(id, trials, (start, n) => api('driftTrials')({ ...base, [key]: v, trials: n, start }));
    const r = api('mergeDriftTrials')(parts);
    rows.push({ [key]: v, trials: r.trials, alarms: r.alarms, alarm_rate: r.alarm_rate });
    doneBefore += trials;
    postMessage({ id, progress: { done: doneBefore, total } });
  }
  return rows;
}

let kvOpening = null;

/** Open the panels' key–value store once (a failed attempt, e.g. in private mode, is retried by the next call). */
function openKv() {
  kvOpening ??= api('KvStore').open('mlops-loop').catch((e) => {
    kvOpening = null;
    throw e;
  });
  return kvOpening;
}

/** Why the registry is in memory only (IndexedDB refused), or null when it is stored. */
let registryFallback = null;
let registryOpening = null;

/** Open the registry once (concurrent callers share the same attempt). */
function openRegistry() {
  registryOpening ??= (async () => {
    try {
      registry = await api('Registry').open('mlops-loop-registry');
    } catch (e) {
      // Private mode, storage disabled or full: keep working in memory, and say so.
      registryFallback = String(e?.message ?? e);
      registry = await api('Registry').openInMemory();
    }
    return registry;
  })();
  return registryOpening;
}

const handlers = {
  version: () => api('version')(),
  dataFingerprint: (id, seed, drift, rows) => api('dataFingerprint')(seed, drift, rows),
  chapter: (id, params) => api('chapter')(params),
  trainModel: (id, params) => api('trainModel')(params),
  ksSamples: (id, a, b, column, alpha) => api('ksSamples')(a, b, column, alpha),
  bootstrapAucDiff: (id, params) => api('bootstrapAucDiff')(params),
  triggerCosts: (id, params) => api('triggerCosts')(params),
  runLoop: (id, params) => api('runLoop')(params),
  driftTrials,
  promotionTrials,
  driftSweep,
  mergeDriftTrials: (id, parts) => api('mergeDriftTrials')(parts),
  mergePromotionTrials: (id, parts) => api('mergePromotionTrials')(parts),
  challenges: () => api('challenges')(),
  gradeTriggerChallenge: (id, runs) => api('gradeTriggerChallenge')(runs),
  gradeGateChallenge: (id, run) => api('gradeGateChallenge')(run),
  weakestFailures: () => api('weakestFailures')(),
  failuresShown: (id, runs) => api('failuresShown')(runs),
  compareYears: (id, runs) => api('compareYears')(runs),
  gradeWriting: (id, answer) => api('gradeWriting')(answer),
  checkMap: (id, answers) => api('checkMap')(answers),
  kvGet: async (id, key) => (await openKv()).getText(key),
  kvPut: async (id, key, value) => (await openKv()).putText(key, value),
  kvDelete: async (id, key) => (await openKv()).delete(key),
  /** Call a method of the IndexedDB registry handle, e.g. registry('promote', '1.1.0', 'reason'). */
  registry: async (id, method, ...args) => {
    const r = await openRegistry();
    if (method === 'storage') return { persistent: r.persistent, reason: registryFallback };
    if (typeof r[method] !== 'function') throw new Error(`the registry has no method ${method}`);
    // A file (an import) is read here, in the worker, and handed to the core as bytes.
    const given = await Promise.all(args.map(async (a) => (a instanceof Blob ? new Uint8Array(await a.arrayBuffer()) : a)));
    return r[method](...given);
  },
};

/** The core export each handler needs. */
const NEEDS = { driftSweep: 'driftTrials', kvGet: 'KvStore', kvPut: 'KvStore', kvDelete: 'KvStore', registry: 'Registry' };

/** Which of the documented exports this build of the core has (panels light up when theirs exist). */
const EXPORTS = ['version', 'dataFingerprint', 'KvStore', 'chapter', 'trainModel', 'ksSamples', 'driftTrials',
  'promotionTrials', 'mergeDriftTrials', 'mergePromotionTrials', 'bootstrapAucDiff', 'challenges',
  'gradeTriggerChallenge', 'gradeGateChallenge', 'weakestFailures', 'failuresShown', 'compareYears', 'gradeWriting', 'checkMap',
  'triggerCosts', 'runLoop', 'Registry'];

/**
 * The module the page compiled while this worker started (engine.js): the lite one, or the full
 * one with `full`; or null: then the worker fetches and compiles it here.
 */
let fromPage;
const compiled = new Promise((resolve) => { fromPage = resolve; });

const ready = compiled.then(async ({ module, full: startFull }) => {
  performance.mark('engine-worker-module');
  if (startFull) base = await loadFull(module);
  else await init(module ? { module_or_path: module } : undefined);
  const exports = EXPORTS.filter((n) => typeof base[n] === 'function' || FULL_ONLY.includes(n));
  postMessage({ ready: true, version: api('version')(), exports, defaults: api('defaults')(), limits: api('limits')() });
  performance.mark('engine-worker-ready');
  // Panels read their saved answers soon after `ready` (Ex 1's map, Ex 4's reflection): open
  // IndexedDB now, once the page has its answer (the open's failure is reported to the call that
  // needs the store).
  if (self.name === 'mlops-loop-engine') openKv().catch(() => {}); // the spare and job workers have no store
}).catch((e) => {
  postMessage({ ready: false, error: String(e?.message ?? e) });
});

/** The mark of the first call (set once). */
let firstCall = null;

onmessage = async (ev) => {
  const msg = ev.data;
  if (msg.wasm !== undefined) {
    fromPage({ module: msg.wasm instanceof WebAssembly.Module ? msg.wasm : null, full: msg.full === true });
    return;
  }
  if (msg.cancel !== undefined) {
    cancelled.add(msg.cancel);
    return;
  }
  const { id, method, args } = msg;
  try {
    await ready;
    const h = handlers[method];
    if (!h) throw new Error(`unknown engine method ${method}`);
    await provide(NEEDS[method] ?? method);
    const first = !firstCall;
    if (first) firstCall = performance.mark('engine-worker-first-call', { detail: method });
    const result = await h(id, ...(args ?? []));
    if (first) performance.mark('engine-worker-first-call-done', { detail: method });
    postMessage({ id, ok: true, result });
  } catch (e) {
    postMessage({ id, ok: false, error: String(e?.message ?? e), cancelled: e instanceof Cancelled });
  } finally {
    cancelled.delete(id);
  }
};
