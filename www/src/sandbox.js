// The page's side of the learner's sandbox (pyworker.js): one worker, started on first use. A
// running program is stopped by ending its worker (a WASM call cannot be interrupted from inside);
// the next call starts a fresh one. The page's engine (engine.js) is a different worker, so
// neither a stop nor a runaway program touches it or the registry.
import { Engine } from './engine.js';
import { startWorker } from './spawn.js';
import pyWorkerUrl from './pyworker.js?worker&url';

let current = null;

/** The sandbox engine, started (and its module loaded) on first use. */
export function sandbox() {
  current ??= new Engine(startWorker(pyWorkerUrl, { name: 'mlops-loop-python' }));
  return current;
}

/** End the sandbox worker (its pending calls reject as cancelled); the next call starts anew. */
export function stopSandbox() {
  const eng = current;
  current = null;
  if (!eng) return;
  eng.worker.terminate();
  const err = Object.assign(new Error('stopped'), { cancelled: true });
  for (const p of eng.pending.values()) p.reject(err);
  eng.pending.clear();
  eng.rejectReady(err);
}

/**
 * Call a sandbox export; aborting `signal` stops the worker (and so the program) at once.
 * @param {string} method
 * @param {Array} args
 * @param {{signal?: AbortSignal}} opts
 */
export async function callSandbox(method, args = [], { signal } = {}) {
  const eng = sandbox();
  const onAbort = () => { if (current === eng) stopSandbox(); };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal?.aborted) throw Object.assign(new Error('stopped'), { cancelled: true });
    await eng.ready;
    return await eng.call(method, args);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
