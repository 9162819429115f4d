// `make bench` (browser half): measures the built page (dist/) in headless Chromium on localhost.
//   cold load to interactive · gzip transfer of what the first load fetched · walkthrough compute
//   (the chapter, when the core has it) · 1000 exact KS trials at n = 3000 in the worker · the
//   longest main-thread task (PerformanceObserver 'longtask', all through the session).
// Usage: node scripts/bench-browser.mjs [--json]    (needs `make build` first; CHROMIUM=... to override)
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { gzipSync } from 'node:zlib';

const PORT = Number(process.env.BENCH_PORT ?? 8131);
const base = `http://127.0.0.1:${PORT}`;

function serve() {
  const proc = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('vite preview did not start')), 20_000);
    proc.stdout.on('data', (d) => { if (String(d).includes(String(PORT))) { clearTimeout(t); resolve(proc); } });
    proc.on('exit', (c) => reject(new Error(`vite preview exited ${c}`)));
  });
}

const server = await serve();
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const results = {};
try {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    window.__longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  const page = await context.newPage();
  const bodies = [];
  page.on('response', async (r) => {
    try { if (r.ok()) bodies.push((await r.body()).length ? gzipSync(await r.body(), { level: 9 }).length : 0); } catch { /* redirects */ }
  });

  // cold load to interactive (engine up, fingerprint shown, panel mounted)
  await page.goto(`${base}/index.html#panel=map-the-loop`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
  results.cold_load_ms = await page.evaluate(() => Math.round(performance.getEntriesByName("mlops-ready")[0]?.startTime ?? -1));
  results.longest_task_cold_load_ms = await page.evaluate(() => Math.round(window.__longest));
  await page.waitForTimeout(500);
  results.transfer_gzip_kib = Number((bodies.reduce((a, b) => a + b, 0) / 1024).toFixed(1));

  // the walkthrough's three steps (chapter(params)), when the core has it
  await page.goto(`${base}/index.html#panel=walkthrough`);
  const hasChapter = await page.locator('[data-testid="coming"]').count().then((n) => n === 0);
  if (hasChapter) {
    await page.waitForSelector('.panel-body[data-state="done"]', { timeout: 120_000 });
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Run all three steps' }).click();
    await page.waitForSelector('.panel-body[data-state="done"]', { timeout: 120_000 });
    results.walkthrough_ms = Date.now() - t0;
  } else results.walkthrough_ms = null;

  // 1000 exact KS trials (three features each) at n = 3000, in the worker, from the page's button
  await page.goto(`${base}/index.html#panel=retrain-trigger&trials=1000`);
  await page.waitForSelector('[data-testid="ks-d"]:not(:text("…"))');
  const t1 = Date.now();
  await page.getByRole('button', { name: 'Run the no-drift checks' }).click();
  await page.waitForFunction(() => /\/ 1000 =/.test(document.querySelector('[data-testid="fa-rate"]')?.textContent ?? ''), null, { timeout: 300_000 });
  results.ks_trials_1000_n3000_ms = Date.now() - t1;

  results.longest_main_thread_task_ms = await page.evaluate(() => Math.round(window.__longest));
} finally {
  await browser.close();
  server.kill();
}

if (process.argv.includes('--json')) console.log(JSON.stringify(results));
else {
  console.log('browser bench (headless Chromium, localhost, dist/)');
  for (const [k, v] of Object.entries(results)) console.log(`  ${k.padEnd(30)} ${v === null ? 'n/a (core lacks chapter)' : v}`);
}
