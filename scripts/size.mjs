// `make size`: the page's transferred weight, gzip -9 of every wasm, JS, CSS and HTML file in dist/,
// split by when the browser fetches it. "first load" is what index.html pulls in before it is
// interactive: its scripts and styles, what they import statically, and what they fetch with
// `new URL(..., import.meta.url)` (the engine worker, the lite WASM module). "on demand" is what
// a dynamic import() reaches from there (Observable Plot, the full WASM module and its glue).
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

/** The files `file` references: [path relative to root, eager?]. */
function references(file) {
  const ext = extname(file);
  if (ext !== '.html' && ext !== '.js') return [];
  const text = readFileSync(join(root, file), 'utf8');
  const at = (name) => normalize(join(dirname(file), name)).split('\\').join('/');
  const out = [];
  const add = (re, eager) => { for (const m of text.matchAll(re)) out.push([at(m[1]), eager]); };
  if (ext === '.html') {
    add(/(?:src|href)="\.\/([^"]+\.(?:js|css|wasm))"/g, true);
  } else {
    add(/(?:from|import)\s*["'`](\.{1,2}\/[^"'`]+)["'`]/g, true); // static imports
    add(/new URL\(\s*["'`]([^"'`]+\.(?:js|wasm))["'`]\s*,\s*import\.meta\.url/g, true); // worker, wasm
    // engine.js names the full module and the worker that starts on it (worker-full.js) too, but
    // fetches them at start only for a page opened on a panel that needs it at once (the
    // timeline, FULL_FIRST): on demand for index.html's first load
    for (const r of out) if (/(mlops_loop_bg|worker-full)-[\w-]+\.(wasm|js)$/.test(r[0])) r[1] = false;
    add(/import\(\s*["'`](\.{1,2}\/[^"'`]+)["'`]\s*\)/g, false); // dynamic imports
  }
  return out.filter(([f]) => existsSync(join(root, f)));
}

// Breadth-first from index.html: a file is "first load" if an eager chain reaches it.
const when = new Map([['index.html', 'first load'], ['sw.js', 'after load (offline cache)']]);
const queue = ['index.html'];
while (queue.length) {
  const f = queue.shift();
  for (const [g, eager] of references(f)) {
    const w = eager && when.get(f) === 'first load' ? 'first load' : 'on demand';
    if (when.get(g) === 'first load' || when.get(g) === w) continue;
    when.set(g, w);
    queue.push(g);
  }
}

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
console.log(`first load of index.html#panel=timeline (it starts on the full module): ${kib(sum((r) => r.when === 'first load' || isFull(r)))}`);
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
