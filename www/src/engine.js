// The page's side of the engine: a small RPC over one Web Worker that owns the WASM core.
// `engine.call(method, args, {onProgress})` returns a promise; `engine.has(name)` says whether this
// build of the core has a given export (panels whose export is missing say so instead of guessing).

import { startWorker } from './spawn.js';
import { FULL_FIRST as FULL_FIRST_PANELS } from './full-first.js';
import workerUrl from './worker.js?worker&url';
import workerFullUrl from './worker-full.js?worker&url';

/** @typedef {{done: number, total: number}} Progress */

export class Engine {
  /** @param {URL|string} workerUrl */
  constructor(worker) {
    this.worker = worker;
    this.next = 1;
    this.pending = new Map();
    this.exports = new Set();
    /** Resolvers of `idle()` promises, called when the last pending call is answered. */
    this.idleWaiters = [];
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    worker.onmessage = (ev) => this.receive(ev.data);
    worker.onerror = (ev) => {
      const err = new Error(`the engine worker failed: ${ev.message ?? 'unknown error'}`);
      this.rejectReady(err);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      for (const f of this.idleWaiters.splice(0)) f();
    };
  }

  receive(msg) {
    if (msg.ready !== undefined) {
      if (msg.ready) {
        this.version = msg.version;
        this.exports = new Set(msg.exports);
        /** Every panel's defaults, the core's (`defaults()`, src/defaults.rs). */
        this.defaults = msg.defaults;
        /** The limits the panels keep to, the core's (`limits()`: checks per value of a sweep). */
        this.limits = msg.limits;
        this.resolveReady(this);
      } else this.rejectReady(new Error(`the WASM core failed to load: ${msg.error}`));
      return;
    }
    if (msg.beat !== undefined) {
      // the sandbox's worker: a learner's call is still moving (sandbox.js's watchdog)
      this.onBeat?.(msg.beat);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.progress) {
      p.onProgress?.(msg.progress);
      return;
    }
    this.pending.delete(msg.id);
    if (this.pending.size === 0) for (const f of this.idleWaiters.splice(0)) f();
    if (msg.ok) p.resolve(msg.result);
    else {
      const e = new Error(msg.error);
      e.cancelled = Boolean(msg.cancelled);
      p.reject(e);
    }
  }

  /** Resolves once no call is pending in this worker (at once if none is). */
  idle() {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Whether the core exports `name` (e.g. 'runLoop', 'Registry'). */
  has(name) {
    return this.exports.has(name);
  }

  /**
   * Call an engine method in the worker.
   * @param {string} method
   * @param {Array} args
   * @param {{onProgress?: (p: Progress) => void, signal?: AbortSignal}} opts
   */
  call(method, args = [], opts = {}) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress: opts.onProgress });
      opts.signal?.addEventListener('abort', () => this.worker.postMessage({ cancel: id }), { once: true });
      this.worker.postMessage({ id, method, args });
    });
  }
}

let shared = null;

/**
 * Experiments whose trials split into two index ranges: trial i is seeded by its index alone, so
 * trials [s, s+h) in one worker and [s+h, s+n) in the other give exactly the one-worker result.
 * A call without a count is not split: the core fills in its own default.
 */
const SPLITTABLE = {
  driftTrials: { count: 'trials', merge: 'mergeDriftTrials' },
  promotionTrials: { count: 'rounds', merge: 'mergePromotionTrials' },
};
/** Below this many trials a split costs more than it saves. */
const MIN_SPLIT = 20;

/** The main engine: as Engine, but splittable experiments use the spare worker too when it is up. */
class MainEngine extends Engine {
  call(method, args = [], opts = {}) {
    const how = SPLITTABLE[method];
    const spare = how ? spareEngine() : null;
    const p = args[0] ?? {};
    const total = how ? p[how.count] : 0;
    if (!spare || !spare.has(method) || !Number.isInteger(total) || total < MIN_SPLIT || args.length !== 1) {
      return super.call(method, args, opts);
    }
    const half = Math.floor(total / 2);
    const start = p.start ?? 0;
    const done = [0, 0];
    const progress = (i) => (pr) => {
      done[i] = pr.done;
      opts.onProgress?.({ done: done[0] + done[1], total });
    };
    return Promise.all([
      super.call(method, [{ ...p, [how.count]: half, start }], { ...opts, onProgress: progress(0) }),
      spare.call(method, [{ ...p, [how.count]: total - half, start: start + half }], { ...opts, onProgress: progress(1) }),
    ]).then(([a, b]) => super.call(how.merge, [[a, b]])); // the core merges (and checks) the halves
  }
}

/**
 * Fetch and compile one of the engine's WASM modules from its URL while the worker starts (on the
 * pages, early.js has already done this for the main engine: this is the spare and job workers'
 * path, and the main engine's when early.js did not run); resolves to null if this browser cannot
 * do it here.
 */
async function compileModule(url) {
  try {
    return await WebAssembly.compileStreaming(fetch(url, { credentials: 'same-origin' }));
  } catch {
    return null; // the worker fetches and compiles it itself (and reports any error)
  }
}

let liteModule = null;
const lite = () => (liteModule ??= compileModule(new URL('../pkg/mlops_loop_lite_bg.wasm', import.meta.url)));

/**
 * Panels whose first call needs the full module (the timeline runs the loop as it mounts;
 * www/src/full-first.js, which early.js reads too, through the build). When the page opens on one
 * of them, the main engine starts on the full module at once instead of the lite one: no lite
 * module fetched and compiled first and the full one fetched after the page is ready.
 */
const FULL_FIRST = new Set(FULL_FIRST_PANELS);

/** Whether the page's link opens a FULL_FIRST panel (the hash's panel, else embed.html's query). */
export function opensOnFullPanel(loc = globalThis.location) {
  if (!loc) return false;
  const panel = new URLSearchParams(loc.hash.replace(/^#/, '')).get('panel') ?? new URLSearchParams(loc.search).get('panel');
  return FULL_FIRST.has(panel);
}

const MAIN = 'mlops-loop-engine';

/**
 * The main engine's worker if early.js (the pages' inline script) has started it already, on the
 * module this page needs (else it is ended): taken once. The null left behind tells early.js, if it
 * runs later than this, to start nothing.
 */
function adoptEarly(full) {
  const key = Symbol.for('mlops-loop.worker');
  const early = globalThis[key];
  globalThis[key] = null;
  if (early?.full === full) return early;
  early?.worker.terminate();
  return null;
}

/**
 * Start an engine worker and hand it a compiled module (or null: it fetches the lite one): the
 * lite module, or with `full` the full one, which the worker then uses for every call. The main
 * engine adopts the worker early.js started, which has its module already.
 */
function startEngine(name, Kind = Engine, { full = false } = {}) {
  const early = name === MAIN ? adoptEarly(full) : null;
  if (early) {
    if (!full) liteModule = early.compiled; // for the spare worker
    const eng = new Kind(early.worker);
    for (const e of early.said) (e.type === 'error' ? early.worker.onerror : early.worker.onmessage)(e);
    return eng;
  }
  // A worker that starts on the full module runs worker-full.js: worker.js and the full module's
  // glue in one script, fetched at once (worker.js alone imports the glue on first need).
  const w = startWorker(full ? workerFullUrl : workerUrl, { name });
  const eng = new Kind(w);
  const compiled = full ? compileModule(new URL('../pkg/mlops_loop_bg.wasm', import.meta.url)) : lite();
  // The worker waits for this one message before it instantiates its module.
  compiled.then((module) => {
    try {
      w.postMessage({ wasm: module, full });
    } catch {
      w.postMessage({ wasm: null, full }); // a module this browser cannot send to a worker
    }
  });
  return eng;
}

/**
 * The page's main engine (one worker, one WASM instance), started on first use: on the full
 * module when the first user names a FULL_FIRST panel (`panel`, the custom element) or, without
 * one, when the page's link opens such a panel.
 */
export function engine({ panel } = {}) {
  shared ??= startEngine(MAIN, MainEngine, { full: panel !== undefined ? FULL_FIRST.has(panel) : opensOnFullPanel() });
  return shared;
}

let spare = null;
let spareUp = false;

/**
 * A second engine worker for work that splits in two (the walkthrough fits its two models at
 * once; the trial experiments run half their trials each). Panels with such work ask for it when
 * they mount, so that it is up by the time a reader presses a button. Started on the first ask; returns null until it is ready, and always on a one-core
 * device, so callers keep their one-worker path.
 */
export function spareEngine() {
  if ((navigator.hardwareConcurrency ?? 1) < 2) return null;
  if (!spare) {
    engine();
    spare = startEngine('mlops-loop-engine-2');
    spare.ready.then(() => { spareUp = true; }, () => {});
  }
  return spareUp ? spare : null;
}

/**
 * Run one long call (e.g. training on a million rows) in an engine worker of its own, started for
 * it and ended after it: the panels keep the main engine meanwhile, and aborting `signal` ends
 * the job at once by terminating its worker (a running WASM call cannot be interrupted from
 * inside; an IndexedDB transaction the job had open is aborted with it, so nothing half-written
 * stays). A cancelled job rejects with an error whose `cancelled` is true.
 * @param {string} method
 * @param {Array} args
 * @param {{onProgress?: (p: Progress) => void, signal?: AbortSignal}} opts
 */
export function runAlone(method, args = [], { onProgress, signal } = {}) {
  return new Promise((resolve, reject) => {
    const cancelled = () => Object.assign(new Error('cancelled'), { cancelled: true });
    if (signal?.aborted) {
      reject(cancelled());
      return;
    }
    const job = startEngine('mlops-loop-job');
    const cancel = () => {
      job.worker.terminate();
      reject(cancelled());
    };
    signal?.addEventListener('abort', cancel, { once: true });
    job.ready.then(() => job.call(method, args, { onProgress })).then(resolve, reject).finally(() => {
      signal?.removeEventListener('abort', cancel);
      job.worker.terminate();
    });
  });
}
