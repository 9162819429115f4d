// `make bench`, model part: the book's GBM fit natively, in WASM inside headless Chromium, and in
// scikit-learn (CPython) when the pinned packages are available; then the 52-week loop in WASM.
// Prints each median, the ratios to scikit-learn from the same run, the growth between sizes, and each
// figure beside its goal (scripts/bench-goals.mjs). Usage: node scripts/bench-fit.mjs [--quick]
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join, extname } from 'node:path';
import { chromium } from 'playwright-core';
import { GOALS, verdict } from './bench-goals.mjs';

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

const fmt = (v, w = 9) => (v === undefined ? '—'.padStart(w) : v.toFixed(2).padStart(w));
const ratio = (a, b, w = 8) => (a === undefined || b === undefined ? '—'.padStart(w) : `${(a / b).toFixed(1)}×`.padStart(w));
const rows = sizes.map((_, i) => ({
  train: native[i].train_rows,
  native: native[i].median_ms,
  wasm: median(wasm.fits[i].times),
  sk: sk?.results[i]?.median_ms,
}));
console.log(`\n${'train rows'.padStart(10)}  ${'native ms'.padStart(9)}  ${'WASM ms'.padStart(9)}  ${'sklearn ms'.padStart(10)}  ${'sk/native'.padStart(9)}  ${'sk/WASM'.padStart(8)}  ${'growth native'.padStart(13)}  ${'growth WASM'.padStart(11)}`);
rows.forEach((r, i) => {
  const p = rows[i - 1];
  console.log(`${String(r.train).padStart(10)}  ${fmt(r.native)}  ${fmt(r.wasm)}  ${fmt(r.sk, 10)}  ${ratio(r.sk, r.native, 9)}  ${ratio(r.sk, r.wasm)}  ${ratio(r.native, p?.native, 13)}  ${ratio(r.wasm, p?.wasm, 11)}`);
});
if (!sk) console.log('(sklearn column skipped: no Python with scikit-learn found; run `make fixtures` once to create .venv)');
else console.log(`(sklearn ${sk.sklearn}, numpy ${sk.numpy}, in this run; growth = this size's fit time over the previous size's)`);

// Each figure beside its goal (scripts/bench-goals.mjs).
const at = (train) => rows.find((r) => r.train === train);
const [small, mid, large] = [at(2250), at(22500), at(225000)];
const figures = [
  ['fit_2250_wasm_ms', 'fit, 2,250 rows, WASM (ms)', small?.wasm],
  ['sk_over_wasm_2250', 'scikit-learn / WASM, 2,250 rows', small?.sk && small.sk / small.wasm],
  ['growth_22500_over_2250', 'fit 22,500 / fit 2,250, native', mid && small && mid.native / small.native],
  ['growth_22500_over_2250', 'fit 22,500 / fit 2,250, WASM', mid && small && mid.wasm / small.wasm],
  ['growth_225000_over_22500', 'fit 225,000 / fit 22,500, native', large && mid && large.native / mid.native],
  ['growth_225000_over_22500', 'fit 225,000 / fit 22,500, WASM', large && mid && large.wasm / mid.wasm],
  ['sk_over_native_22500', 'scikit-learn / native, 22,500 rows', mid?.sk && mid.sk / mid.native],
  ['sk_over_native_225000', 'scikit-learn / native, 225,000 rows', large?.sk && large.sk / large.native],
];
console.log('\nfit goals:');
for (const [key, label, v] of figures) {
  if (v === undefined || v === null || v === 0) continue;
  console.log(`  ${label.padEnd(38)} ${v.toFixed(GOALS[key][2] === '×' ? 1 : 2).padStart(9)}${GOALS[key][2] === '×' ? '×' : '  '}  ${verdict(key, v)}`);
}
console.log(`\n52 simulated weeks (seed 2, step drift, with retraining) in WASM, Chromium: median ${median(wasm.loop).toFixed(0)} ms over ${wasm.loop.length} run(s)`);
