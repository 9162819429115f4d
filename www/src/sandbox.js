// The page's side of the learner's sandbox (pyworker.js): one worker, started on first use, and
// on a device with two cores or more a second one that takes half of each grading. A running
// program is stopped by ending its workers (a WASM call cannot be interrupted from inside); the
// next call starts fresh ones. The page's engine (engine.js) is a different worker, so neither a
// stop nor a runaway program touches it or the registry.
import { Engine } from './engine.js';
import { startWorker } from './spawn.js';
import pyWorkerUrl from './pyworker.js?worker&url';

let current = null;
let spare = null;
let spareUp = false;
let compiled = null;

/**
 * Start a sandbox worker and hand it the sandbox module, compiled once by the page for every
 * sandbox worker (a compiled module sent to a worker shares its code, and the code the engine
 * optimises as it runs, instead of each worker compiling and warming up its own); null if this
 * browser cannot compile it here or send it, and the worker fetches it itself.
 */
function startSandbox(name) {
  const w = startWorker(pyWorkerUrl, { name });
  const eng = new Engine(w);
  compiled ??= WebAssembly.compileStreaming(fetch(new URL('../pkg/mlops_loop_py_bg.wasm', import.meta.url), { credentials: 'same-origin' }))
    .catch(() => null);
  compiled.then((module) => {
    try {
      w.postMessage({ wasm: module });
    } catch {
      w.postMessage({ wasm: null });
    }
  });
  return eng;
}

/** The sandbox engine, started (and its module loaded) on first use. */
export function sandbox() {
  current ??= startSandbox('mlops-loop-python');
  return current;
}

/**
 * The second sandbox worker, for the gradings that split in two. Started on the first ask (the
 * learner panel asks when its editor opens, so that it is up by the first "Check"); returns null
 * until it is ready, and always on a one-core device, so callers keep their one-worker path.
 */
export function spareSandbox() {
  if ((navigator.hardwareConcurrency ?? 1) < 2) return null;
  if (!spare) {
    const eng = startSandbox('mlops-loop-python-2');
    spare = eng;
    eng.ready.then(() => { if (spare === eng) spareUp = true; }, () => { if (spare === eng) spare = null; });
  }
  return spareUp ? spare : null;
}

/** Resolves when the second sandbox worker is up (null on a one-core device or before it is asked for). */
export function spareReady() {
  return spare ? spare.ready.then(() => true, () => false) : null;
}

/**
 * Gradings that run as two parts at once, one per worker: every check is seeded by its own
 * number and the learner's program starts afresh on each call, so the core's merge of the two
 * parts (in order, checked against the grading's parameters) is exactly the one-call result,
 * its first error included (src/learner.rs, `Part`).
 */
const SPLIT = {
  gradeLearnerTrigger: { part: 'gradeLearnerTriggerPart', merge: 'mergeLearnerTrigger' },
  gradeLearnerGate: { part: 'gradeLearnerGatePart', merge: 'mergeLearnerGate' },
};

/** End an engine's worker; its pending calls reject as cancelled. */
function end(eng) {
  eng.worker.terminate();
  const err = Object.assign(new Error('stopped'), { cancelled: true });
  for (const p of eng.pending.values()) p.reject(err);
  eng.pending.clear();
  eng.rejectReady(err);
}

/** End the sandbox workers (their pending calls reject as cancelled); the next call starts anew. */
export function stopSandbox() {
  const engines = [current, spare].filter(Boolean);
  current = null;
  spare = null;
  spareUp = false;
  engines.forEach(end);
}

/**
 * The watchdog over a call: while a learner's program runs, the core beats (src/python/mod.rs
 * `beat`: each call of the learner's function and each host-function call, at most every 200 ms),
 * each beat saying how long the call may go without another (the core's `LIMITS.stall_ms`). The
 * interpreter checks its own time limit between two instructions, so one instruction that runs on
 * (a power with a huge exponent: `pow(3, (1 << (12 * 10**7)) - 1, 10**1000 + 7)`, within the
 * memory limit, runs for more than 100 s natively) is stopped here, by
 * ending the workers, when an engine that has beaten stays silent past its allowance. A call that
 * never runs the learner's code (the built-in year's warm-up) never beats and is never stopped.
 * `onStall(ms)` is called once, with the allowance that ran out.
 */
function watch(engines, onStall) {
  const deadlines = new Map();
  // one handler per engine and call (a later call on the same worker takes the beats over)
  const handlers = engines.map((eng) => [eng, (ms) => deadlines.set(eng, { at: performance.now() + ms, ms })]);
  for (const [eng, on] of handlers) eng.onBeat = on;
  const timer = setInterval(() => {
    const now = performance.now();
    for (const d of deadlines.values()) {
      if (now > d.at) {
        clearInterval(timer);
        onStall(d.ms);
        return;
      }
    }
  }, 250);
  return () => {
    clearInterval(timer);
    for (const [eng, on] of handlers) if (eng.onBeat === on) eng.onBeat = null;
  };
}

/**
 * Call a sandbox export; aborting `signal` stops the workers (and so the program) at once, and so
 * does a learner's program that stops moving (`watch`): the call then rejects with `stalled` set
 * and a message that says why.
 * @param {string} method
 * @param {Array} args
 * @param {{signal?: AbortSignal}} opts
 */
export async function callSandbox(method, args = [], { signal } = {}) {
  const eng = sandbox();
  const onAbort = () => { if (current === eng) stopSandbox(); };
  signal?.addEventListener('abort', onAbort, { once: true });
  let unwatch = () => {};
  try {
    if (signal?.aborted) throw Object.assign(new Error('stopped'), { cancelled: true });
    await eng.ready;
    const how = SPLIT[method];
    const two = how && args.length === 2 ? spareSandbox() : null;
    const split = two && two.has(how.part) && eng.has(how.merge);
    let stalled;
    const stall = new Promise((_, reject) => { stalled = reject; });
    unwatch = watch(split ? [eng, two] : [eng], (ms) => {
      stalled(Object.assign(new Error(`stopped: one step of the code ran for more than ${ms / 1000} s without finishing `
        + '(for example arithmetic on huge integers); the time limit is checked between steps, '
        + 'so the page ended the sandbox'), { cancelled: true, stalled: true }));
      if (current === eng) stopSandbox();
    });
    const work = async () => {
      if (!split) return eng.call(method, args);
      const [source, params] = args;
      const parts = await Promise.all([
        eng.call(how.part, [source, params, 0, 2]),
        two.call(how.part, [source, params, 1, 2]),
      ]);
      return eng.call(how.merge, [params, parts]);
    };
    return await Promise.race([work(), stall]);
  } finally {
    unwatch();
    signal?.removeEventListener('abort', onAbort);
  }
}
