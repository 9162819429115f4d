// The engine worker's earliest start. The build (vite.config.js, plugin "early-engine") writes this
// file's code, minified, inline into index.html's and embed.html's head, before any other script,
// with the built worker scripts' and WASM modules' URLs in its `data-engine` attribute and the
// panels that start on the full module (www/src/full-first.js) in its `data-full`: it runs while
// the HTML is parsed, before any of the page's scripts has arrived. Starting a worker takes a
// thread, a V8 isolate and the fetch of worker.js, and the module's fetch and compile: tens of ms
// that now overlap the fetch of the page's scripts instead of following it. This is the page's one
// fetch of its module, and it fetches only the one the link needs: the lite module, or the full
// one for a link that opens a `data-full` panel (no static preload: it would fetch the lite module
// on every link). engine.js adopts this worker (`engine()`) with what it has said so far; if this
// script did not run, engine.js starts the worker itself, on the module it chooses the same way.
//
// The policy allows this one inline script by its hash (script-src 'sha256-…' in every page's
// Content-Security-Policy; the build fails if the hash there is not this code's, and tells the
// right one). It does what engine.js's startEngine does for every other engine worker: the worker
// from a one-line `blob:` module, as spawn.js's startWorker, so that the page's policy holds in it
// on any host (SECURITY.md, "The policy in the workers"); worker-full.js and the full module for a
// page opened on a FULL_FIRST panel (engine.js's `opensOnFullPanel`; engine.js adopts the worker
// only if it made the same choice); the compiled module (or null) as the worker's first message.
{
  const key = Symbol.for('mlops-loop.worker');
  const { engine, full: fullFirst } = document.currentScript.dataset;
  const [lite, full, liteWasm, fullWasm] = engine.split(' ').map((u) => new URL(u, document.baseURI).href);
  const panel = (s) => new URLSearchParams(s).get('panel');
  const onFull = fullFirst.split(' ').includes(panel(location.hash.slice(1)) ?? panel(location.search));
  if (globalThis[key] === undefined) {
    const src = URL.createObjectURL(new Blob([`import ${JSON.stringify(onFull ? full : lite)};\n`], { type: 'text/javascript' }));
    const worker = new Worker(src, { type: 'module', name: 'mlops-loop-engine' });
    setTimeout(() => URL.revokeObjectURL(src), 60000);
    const compiled = WebAssembly.compileStreaming(fetch(onFull ? fullWasm : liteWasm, { credentials: 'same-origin' })).catch(() => null);
    compiled.then((wasm) => {
      try {
        worker.postMessage({ wasm, full: onFull });
      } catch {
        worker.postMessage({ wasm: null, full: onFull });
      }
    });
    const said = [];
    worker.onmessage = worker.onerror = (e) => said.push(e);
    globalThis[key] = { worker, full: onFull, compiled, said };
  }
}
