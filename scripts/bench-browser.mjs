// `make bench` (browser half): measures the built page (dist/) in headless Chromium on localhost.
//   cold load to interactive (the session's first load, and the median of it and 4 more loads,
//   each in a fresh context: empty HTTP cache, no service worker, no IndexedDB) · gzip transfer of what the first load fetched · walkthrough compute
//   (click to shown: trainModel in two workers at once, then chapter(params) with both models;
//   a one-core device makes one chapter call, about 60 ms) · 1000 exact KS trials at n = 3000 in the worker ·
//   the longest main-thread task (PerformanceObserver 'longtask', all through the session, every panel) · the
//   52-week loop (runLoop in the worker, click to drawn) · a cold load straight into the timeline
//   (the full WASM module fetched on demand, then the run) · the registry at its limits (the
//   largest legal import, then a promotion and a refresh with 100,000 events).
// Usage: node scripts/bench-browser.mjs [--json]    (needs `make build` first; CHROMIUM=... to override)
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { verdict } from './bench-goals.mjs';
import { longExport, maxEvents } from './long-registry.mjs';

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
  // Every response of the first load (the page and its worker). Bodies are read and gzipped only
  // after the load: doing it in the handler blocks the driver while the page starts (Playwright
  // holds each new worker until the driver lets it run), which slowed the very load it measured.
  const responses = [];
  const collect = (r) => { if (r.ok()) responses.push(r); };
  page.on('response', collect);

  // cold load to interactive (engine up, fingerprint shown, panel mounted)
  await page.goto(`${base}/index.html#panel=map-the-loop`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
  results.cold_load_ms = await page.evaluate(() => Math.round(performance.getEntriesByName("mlops-ready")[0]?.startTime ?? -1));
  results.longest_task_cold_load_ms = await page.evaluate(() => Math.round(window.__longest));
  await page.waitForTimeout(500);
  page.off('response', collect);
  let gz = 0;
  let wasmGz = 0;
  for (const r of responses) {
    try {
      const body = await r.body();
      const n = body.length ? gzipSync(body, { level: 9 }).length : 0;
      gz += n;
      if (r.url().endsWith('.wasm')) wasmGz += n;
    } catch { /* redirects */ }
  }
  results.transfer_gzip_kib = Number((gz / 1024).toFixed(1));
  results.transfer_wasm_gzip_kib = Number((wasmGz / 1024).toFixed(1));

  // four more cold loads, each in a fresh context, for a median less at the mercy of a busy machine
  const colds = [results.cold_load_ms];
  for (let i = 0; i < 4; i++) {
    const fresh = await browser.newContext();
    const p = await fresh.newPage();
    await p.goto(`${base}/index.html#panel=map-the-loop`);
    await p.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
    colds.push(await p.evaluate(() => Math.round(performance.getEntriesByName('mlops-ready')[0]?.startTime ?? -1)));
    await fresh.close();
  }
  results.cold_load_median_of_5_ms = [...colds].sort((a, b) => a - b)[2];
  results.cold_loads_ms = colds;

  // a cold load straight into the timeline: the page, then the full module (fetched on demand for
  // runLoop), then the 52-week run, from navigation to drawn
  {
    const fresh = await browser.newContext();
    const p = await fresh.newPage();
    await p.goto(`${base}/index.html#panel=timeline&seed=2&schedule=step`);
    const at = await p.waitForFunction(() => document.querySelector('.panel-body[data-state="done"]') && Math.round(performance.now()),
      null, { timeout: 120_000 });
    results.timeline_cold_ms = await at.jsonValue();
    await fresh.close();
  }

  // each page load starts a new observer: keep the longest task over every page of the session
  let longest = 0;
  const noteLongest = async () => { longest = Math.max(longest, await page.evaluate(() => window.__longest)); };

  /** Click `button` in the mounted panel and time (in the page) until the panel's data-state is "done" again. */
  const timeClick = (buttonName) => page.evaluate(async (name) => {
    const body = document.querySelector('.panel-body');
    const btn = [...body.querySelectorAll('button')].find((b) => b.textContent.trim() === name);
    const t0 = performance.now();
    const done = new Promise((resolve) => {
      const mo = new MutationObserver(() => {
        if (body.dataset.state === 'done') { mo.disconnect(); resolve(performance.now() - t0); }
      });
      mo.observe(body, { attributes: true, attributeFilter: ['data-state'] });
    });
    btn.click();
    return Math.round(await done);
  }, buttonName);

  // the walkthrough's three steps: one chapter(params) call in the worker, from click to shown
  await noteLongest();
  await page.goto(`${base}/index.html#panel=walkthrough`);
  await page.waitForSelector('.panel-body[data-state="done"]', { timeout: 120_000 });
  const walk = [];
  for (let i = 0; i < 3; i++) walk.push(await timeClick('Run all three steps'));
  results.walkthrough_ms = Math.min(...walk);

  // the 52-week loop (runLoop, seed 2, step schedule) in the worker, from click to drawn
  await noteLongest();
  await page.goto(`${base}/index.html#panel=timeline&seed=2&schedule=step`);
  await page.waitForSelector('.panel-body[data-state="done"]', { timeout: 120_000 });
  const loop = [];
  for (let i = 0; i < 3; i++) loop.push(await timeClick('Run the year again'));
  results.loop_52_weeks_ms = Math.min(...loop);

  // 1000 exact KS trials (three features each) at n = 3000, in the worker, from the page's button
  await noteLongest();
  await page.goto(`${base}/index.html#panel=retrain-trigger&trials=1000`);
  await page.waitForSelector('[data-testid="ks-d"]:not(:text("…"))');
  const t1 = Date.now();
  await page.getByRole('button', { name: 'Run the no-drift checks' }).click();
  await page.waitForFunction(() => /\/ 1000 =/.test(document.querySelector('[data-testid="fa-rate"]')?.textContent ?? ''), null, { timeout: 300_000 });
  results.ks_trials_1000_n3000_ms = Date.now() - t1;

  // the other panels, mounted in turn (exercise 5 runs two years on mount, the registry opens
  // IndexedDB): the longest main-thread task covers every panel of the page
  for (const panel of ['promotion-gate', 'two-loops', 'weakest-link&off=seeded_training', 'registry', 'map-the-loop']) {
    await noteLongest();
    await page.goto(`${base}/index.html#panel=${panel}`);
    await page.waitForTimeout(3000);
  }

  await noteLongest();
  results.longest_main_thread_task_ms = Math.round(longest);

  // the registry at its limits, in a fresh context (empty IndexedDB): the largest legal import
  // (20 MiB: as many of the shortest events as fit; 1,000,000 events cannot fit), then with
  // 100,000 events a promotion and a refresh (click to shown), and the longest main-thread task
  // through all of it
  {
    const fresh = await browser.newContext();
    const p = await fresh.newPage();
    await p.goto(`${base}/index.html#panel=registry`);
    await p.waitForSelector('[data-testid="no-versions"]', { timeout: 60_000 });
    await p.evaluate(() => {
      window.__longest = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
      }).observe({ type: 'longtask' });
      document.querySelector('input[type="file"]').addEventListener('change', () => { window.__t0 = performance.now(); }, { capture: true });
    });
    const importMs = async (name, text) => {
      await p.locator('input[type="file"]').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
      const h = await p.waitForFunction(() => /^Imported /.test(document.querySelector('[data-testid="registry-status"]').textContent)
        && performance.now() - window.__t0, null, { timeout: 300_000, polling: 10 });
      return Math.round(await h.jsonValue());
    };
    const limit = maxEvents(20 * 1024 * 1024);
    const big = longExport(limit);
    results.registry_limit_events = limit;
    results.registry_limit_mib = Number((big.length / 1024 / 1024).toFixed(2));
    results.registry_import_limit_ms = await importMs('limit.json', big);
    results.registry_import_100k_ms = await importMs('100k.json', longExport(100_001, { production: false }));
    const clickUntil = (button, done) => p.evaluate(async ([name, test]) => {
      const btn = [...document.querySelectorAll('.panel-body button')].find((b) => b.textContent.trim() === name || b.getAttribute('aria-label') === name);
      const ok = new Function(`return (${test})`)();
      const t0 = performance.now();
      btn.click();
      while (!ok()) await new Promise((r) => setTimeout(r, 1));
      return Math.round(performance.now() - t0);
    }, [button, done.toString()]);
    results.registry_promote_100k_ms = await clickUntil('Promote',
      () => document.querySelector('[data-testid="production"]').textContent === 'v1 (1.0.0)'
        && /of 100,002$/.test(document.querySelector('[data-testid="history-range"]').textContent));
    results.registry_refresh_100k_ms = await clickUntil('Oldest events',
      () => document.querySelector('[data-testid="history"] tbody tr')?.dataset.seq === '1');
    results.registry_longest_task_ms = Math.round(await p.evaluate(() => window.__longest));
    await fresh.close();
  }
} finally {
  await browser.close();
  server.kill();
}

if (process.argv.includes('--json')) console.log(JSON.stringify(results));
else {
  const LABELS = {
    cold_load_ms: 'cold load to interactive (ms)',
    cold_load_median_of_5_ms: '  median of 5 cold loads (ms)',
    transfer_gzip_kib: 'gzip transfer, first load (KiB)',
    transfer_wasm_gzip_kib: '  of which WASM (KiB)',
    walkthrough_ms: 'walkthrough compute, click to shown (ms)',
    ks_trials_1000_n3000_ms: '1000 exact KS trials, n=3000, worker (ms)',
    longest_main_thread_task_ms: 'longest main-thread task (ms)',
    longest_task_cold_load_ms: '  of which during the cold load (ms)',
    loop_52_weeks_ms: '52-week loop, runLoop in the worker (ms)',
    timeline_cold_ms: 'timeline as the first page, to drawn (ms)',
    registry_limit_events: 'registry: events in the largest import (20 MiB)',
    registry_import_limit_ms: '  import them, file chosen to shown (ms)',
    registry_import_100k_ms: '  import 100,000 events (ms)',
    registry_promote_100k_ms: '  promote with 100,000 events, click to shown (ms)',
    registry_refresh_100k_ms: '  refresh (a page of the history) at 100,000 (ms)',
    registry_longest_task_ms: '  longest main-thread task through these (ms)',
  };
  console.log('browser bench (headless Chromium, localhost, dist/; best of 3 for walkthrough and loop)');
  for (const [k, label] of Object.entries(LABELS)) console.log(`  ${label.padEnd(44)} ${String(results[k]).padStart(7)}  ${verdict(k, results[k])}`);
  console.log(`  (the 5 cold loads: ${results.cold_loads_ms.join(', ')} ms)`);
}
