// profile a cold load of a link: resource timings (page + workers) relative to navigation, marks, done
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
const PORT = 8622, base = `http://127.0.0.1:${PORT}`;
const dist = process.env.BENCH_DIST ?? 'dist';
const hash = process.argv[2] ?? 'panel=timeline&seed=2&schedule=step';
const N = Number(process.argv[3] ?? 1);
const proc = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort', '--outDir', dist], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((r) => proc.stdout.on('data', (d) => { if (String(d).includes(String(PORT))) r(); }));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  for (let i = 0; i < N; i++) {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    const reqs = [];
    p.on('requestfinished', (r) => reqs.push(r));
    p.on('console', (m) => console.log('  console:', m.text()));
    await p.goto(`${base}/index.html#${hash}`);
    const sel = process.env.SEL ?? '.panel-body[data-state="done"]';
    const at = await p.waitForFunction((s) => document.querySelector(s) && Math.round(performance.now()), sel, { timeout: 120000 });
    const done = await at.jsonValue();
    const info = await p.evaluate(() => ({ origin: performance.timeOrigin, marks: performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)]),
      measures: performance.getEntriesByType('measure').map((m) => [m.name, Math.round(m.startTime), Math.round(m.duration)]),
      nav: (({ responseEnd, domContentLoadedEventEnd, loadEventEnd }) => ({ responseEnd: Math.round(responseEnd), dcl: Math.round(domContentLoadedEventEnd), load: Math.round(loadEventEnd) }))(performance.getEntriesByType('navigation')[0]) }));
    console.log(`run ${i}: done at ${done} ms`, JSON.stringify(info.nav), JSON.stringify(info.marks), JSON.stringify(info.measures));
    for (const r of reqs) {
      const t = r.timing();
      const st = t.startTime - info.origin;
      console.log(`   ${st.toFixed(0).padStart(6)} → ${(st + t.responseEnd).toFixed(0).padStart(6)}  ${r.url().replace(base, '')}`);
    }
    await ctx.close();
  }
} finally { await browser.close(); proc.kill(); }
