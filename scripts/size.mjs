// `make size`: the page's transferred weight, gzip -9 of every wasm, JS, CSS and HTML file in dist/,
// split by when the browser fetches it. "first load" is what index.html pulls in before it is
// interactive: its scripts and styles, what they import statically, what they fetch with
// `new URL(..., import.meta.url)`, and the engine worker and WASM module its inline script
// (www/src/early.js, its `data-engine` attribute) starts on: for most links the lite module and
// worker.js. "on demand" is what a dynamic import() reaches from there (Observable Plot, the full
// WASM module and its glue). A link that opens a panel of the script's `data-full` (the timeline)
// starts on the full module and worker-full.js instead, and never fetches the lite module or
// worker.js for its first load: its first load is counted by the same walk with the two swapped.
// The learner's sandbox and editor (on demand too) are reported apart. Everything else belongs to
// the other pages (embed, example). The service worker later copies
// every file but the sandbox and editor for offline use (those when first used); that is not
// counted as the first load.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, extname, relative, dirname, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = process.argv[2] ?? 'dist';
const walk = (d) => readdirSync(d).flatMap((f) => {
  const p = join(d, f);
  return statSync(p).isDirectory() ? walk(p) : [p];
});
const kinds = new Set(['.wasm', '.js', '.css', '.html']);

/** The inline script's engine files (www/src/early.js): [lite worker, full worker, lite module, full module]. */
const engineFiles = (readFileSync(join(root, 'index.html'), 'utf8').match(/<script data-engine="([^"]+)"/)?.[1] ?? '')
  .split(' ').filter(Boolean).map((u) => normalize(u).split('\\').join('/'));
if (engineFiles.length !== 4) throw new Error(`${root}/index.html: no early.js with four engine files in data-engine`);
/** The files a page started on the lite (`full` false) or the full module fetches only on demand. */
const otherEngine = (full) => new Set(full ? [engineFiles[0], engineFiles[2]] : [engineFiles[1], engineFiles[3]]);

/** The files `file` references: [path relative to root, eager?], for a page started on the lite or full module. */
function references(file, full = false) {
  const ext = extname(file);
  if (ext !== '.html' && ext !== '.js') return [];
  const text = readFileSync(join(root, file), 'utf8');
  const at = (name) => normalize(join(dirname(file), name)).split('\\').join('/');
  const out = [];
  const add = (re, eager) => { for (const m of text.matchAll(re)) out.push([at(m[1]), eager]); };
  if (ext === '.html') {
    // early.js starts the engine on one worker script and one module (the other pair on demand)
    const engine = text.match(/<script data-engine="([^"]+)"/)?.[1].split(' ') ?? [];
    const [worker, module] = full ? [engine[1], engine[3]] : [engine[0], engine[2]];
    for (const [u, eager] of [[worker, true], [module, true], [full ? engine[0] : engine[1], false], [full ? engine[2] : engine[3], false]]) {
      if (u?.startsWith('./')) out.push([at(u.slice(2)), eager]);
    }
  } else {
    add(/(?:from|import)\s*["'`](\.{1,2}\/[^"'`]+)["'`]/g, true); // static imports
    add(/new URL\(\s*["'`]([^"'`]+\.(?:js|wasm))["'`]\s*,\s*import\.meta\.url/g, true); // worker, wasm
    add(/import\(\s*["'`](\.{1,2}\/[^"'`]+)["'`]\s*\)/g, false); // dynamic imports
  }
  // engine.js (and each worker script's glue) names both modules and both worker scripts, but a
  // page fetches at start only the pair early.js started: the other is on demand
  const other = otherEngine(full);
  for (const r of out) if (other.has(r[0])) r[1] = false;
  // what the page's own tags fetch, it fetches on every link (a preload of a module included)
  if (ext === '.html') add(/(?:src|href)="\.\/([^"]+\.(?:js|css|wasm))"/g, true);
  return out.filter(([f]) => existsSync(join(root, f)));
}

/** Breadth-first from index.html: a file is "first load" if an eager chain reaches it. */
function reach(full) {
  const when = new Map([['index.html', 'first load'], ['sw.js', 'after load (offline cache)']]);
  const queue = ['index.html'];
  while (queue.length) {
    const f = queue.shift();
    for (const [g, eager] of references(f, full)) {
      const w = eager && when.get(f) === 'first load' ? 'first load' : 'on demand';
      if (when.get(g) === 'first load' || when.get(g) === w) continue;
      when.set(g, w);
      queue.push(g);
    }
  }
  return when;
}
const when = reach(false);
const whenFull = reach(true); // index.html#panel=timeline

const rows = walk(root).filter((f) => kinds.has(extname(f))).sort().map((p) => {
  const buf = readFileSync(p);
  const f = relative(root, p).split('\\').join('/');
  return { f, bytes: buf.length, gz: gzipSync(buf, { level: 9 }).length, when: when.get(f) ?? 'other page' };
});
const w = Math.max(...rows.map((r) => r.f.length), 5);
console.log(`${'file'.padEnd(w)}  ${'bytes'.padStart(10)}  ${'gzip -9'.padStart(10)}  fetched`);
for (const r of rows) console.log(`${r.f.padEnd(w)}  ${String(r.bytes).padStart(10)}  ${String(r.gz).padStart(10)}  ${r.when}`);
const sum = (pred) => rows.filter(pred).reduce((a, r) => a + r.gz, 0);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const isLite = (r) => /mlops_loop_lite_bg[-.]/.test(r.f);
const isFull = (r) => /mlops_loop_bg[-.]/.test(r.f) || /assets\/(mlops_loop|worker-full)-[\w-]+\.js$/.test(r.f);
console.log(`${'total'.padEnd(w)}  ${String(rows.reduce((a, r) => a + r.bytes, 0)).padStart(10)}  ${String(sum(() => true)).padStart(10)}`);
console.log(`first load of index.html (gzip):  ${kib(sum((r) => r.when === 'first load'))}` +
  `, of which the lite WASM module ${kib(sum((r) => isLite(r) && r.f.endsWith('.wasm')))}`);
console.log(`full WASM module + glue (on demand): ${kib(sum(isFull))}`);
const fullFirst = (r) => whenFull.get(r.f) === 'first load';
console.log(`first load of index.html#panel=timeline (it starts on the full module): ${kib(sum(fullFirst))}` +
  `, of which the lite WASM module ${kib(sum((r) => fullFirst(r) && isLite(r) && r.f.endsWith('.wasm')))}`);
// The learner's editor and sandbox (docs/learner-code.md), loaded when a learner opens "Write your
// own": every file reached from their chunks that the first load does not already have.
function closure(re) {
  const seen = new Set();
  const todo = rows.filter((r) => re.test(r.f)).map((r) => r.f);
  while (todo.length) {
    const f = todo.pop();
    if (seen.has(f) || when.get(f) === 'first load') continue;
    seen.add(f);
    for (const [g] of references(f)) todo.push(g);
  }
  return seen;
}
const sandboxFiles = closure(/^assets\/sandbox-[\w-]+\.js$/);
const editorFiles = closure(/^assets\/editor-[\w-]+\.js$/);
const isLearner = (r) => sandboxFiles.has(r.f) || editorFiles.has(r.f);
console.log(`everything else on demand (gzip):    ${kib(sum((r) => r.when === 'on demand' && !isFull(r) && !isLearner(r)))}`);
console.log(`learner's sandbox (module, glue, worker; on opening the editor): ${kib(sum((r) => sandboxFiles.has(r.f)))}` +
  `, of which the WASM module ${kib(sum((r) => sandboxFiles.has(r.f) && r.f.endsWith('.wasm')))}`);
console.log(`learner's editor (CodeMirror chunk, on opening the editor):       ${kib(sum((r) => editorFiles.has(r.f) && !sandboxFiles.has(r.f)))}`);
console.log(`sandbox + editor together (goal ≤ 3 MB gzip):                      ${kib(sum(isLearner))}`);
