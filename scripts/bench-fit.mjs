// `make bench`, model part: the book's GBM fit natively, in WASM inside headless Chromium, and in
// scikit-learn (CPython) when the pinned packages are available; then the 52-week loop in WASM.
// Prints each median and the ratios. Usage: node scripts/bench-fit.mjs [--quick]
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join, extname } from 'node:path';
import { chromium } from 'playwright-core';

const quick = process.argv.includes('--quick');
const sizes = quick ? [[3000, 9]] : [[3000, 15], [30000, 3], [300000, 1]];
const args = sizes.map(([r, k]) => `${r}:${k}`);

console.log(`== GBM fit (GradientBoostingClassifier(random_state=42), 100 trees, depth 3): ${args.join(' ')}`);
const native = JSON.parse(execFileSync('cargo', ['run', '--release', '--quiet', '--example', 'bench_fit', '--', ...args],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));

// WASM in headless Chromium: a throwaway page that imports www/pkg directly.
const root = 'www';
const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const page = '<!doctype html><meta charset="utf-8"><title>bench</title>';
const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/') { res.writeHead(200, { 'content-type': 'text/html' }); return res.end(page); }
  const file = join(root, path);
  if (!file.startsWith(root) || !existsSync(file)) { res.writeHead(404); return res.end(); }
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
  res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const tab = await browser.newPage();
await tab.goto(url);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const wasm = await tab.evaluate(async ({ sizes, quick }) => {
  const m = await import('/pkg/mlops_loop.js');
  await m.default();
  const fits = sizes.map(([rows, reps]) => ({ rows, times: Array.from(m.benchFit(rows, reps)) }));
  const loop = Array.from(m.benchLoop(52, quick ? 1 : 3));
  return { fits, loop };
}, { sizes, quick });
await browser.close();
server.close();

// scikit-learn, if the pinned stack is importable.
let sk = null;
for (const py of ['.venv/bin/python', 'python3']) {
  const r = spawnSync(py, ['scripts/bench_sklearn.py', ...args], { encoding: 'utf8' });
  if (r.status === 0) { sk = JSON.parse(r.stdout); break; }
}

const fmt = (v) => (v === undefined ? '—' : v.toFixed(2).padStart(9));
console.log(`\n${'train rows'.padStart(10)}  ${'native ms'.padStart(9)}  ${'WASM ms'.padStart(9)}  ${'sklearn ms'.padStart(10)}  ${'sk/native'.padStart(9)}  ${'sk/WASM'.padStart(8)}`);
sizes.forEach((_, i) => {
  const n = native[i].median_ms;
  const w = median(wasm.fits[i].times);
  const s = sk?.results[i]?.median_ms;
  console.log(`${String(native[i].train_rows).padStart(10)}  ${fmt(n)}  ${fmt(w)}  ${s === undefined ? '         —' : s.toFixed(2).padStart(10)}  ${s === undefined ? '        —' : (s / n).toFixed(1).padStart(8) + '×'}  ${s === undefined ? '       —' : (s / w).toFixed(1).padStart(7) + '×'}`);
});
if (!sk) console.log('(sklearn column skipped: no Python with scikit-learn found; run `make fixtures` once to create .venv)');
else console.log(`(sklearn ${sk.sklearn}, numpy ${sk.numpy})`);
console.log(`\n52 simulated weeks (seed 2, step drift, with retraining) in WASM, Chromium: median ${median(wasm.loop).toFixed(0)} ms over ${wasm.loop.length} run(s)`);
