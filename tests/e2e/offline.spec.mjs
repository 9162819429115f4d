// Offline: after a first load the service worker has every built file but the learner's sandbox and
// editor (cached when first used); with the server stopped, a reload still starts the engine and
// shows a value computed in WASM.
import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';

const PORT = 8125;

function startServer() {
  const proc = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('preview server did not start')), 20_000);
    proc.stdout.on('data', (d) => { if (String(d).includes(String(PORT))) { clearTimeout(timer); resolve(proc); } });
    proc.on('exit', (code) => reject(new Error(`preview server exited ${code}`)));
  });
}

test('works offline after the first load (server stopped)', async ({ page }) => {
  const server = await startServer();
  let stopped = false;
  try {
    const base = `http://127.0.0.1:${PORT}`;
    await page.goto(`${base}/index.html#panel=map-the-loop`);
    await expect(page.locator('body')).toHaveAttribute('data-ready', '1', { timeout: 30_000 });
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    await expect.poll(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller)), { timeout: 15_000 }).toBe(true);
    // The install caches every file but the learner's sandbox and editor (2.4 MB gzip): those
    // are cached when first fetched, so a reader who never opens the editor never downloads them.
    const sw = await (await page.request.get(`${base}/sw.js`)).text();
    const later = [...(sw.match(/ON_DEMAND = new Set\((\[[^\]]*\])/)?.[1] ?? '[]').matchAll(/"\.\/([^"]+)"/g)].map((m) => m[1]);
    expect(later.some((f) => /mlops_loop_py_bg-/.test(f))).toBe(true);
    expect(later.some((f) => /editor-/.test(f))).toBe(true);
    const cached = () => page.evaluate(async () => {
      const out = [];
      for (const k of await caches.keys()) for (const r of await (await caches.open(k)).keys()) out.push(new URL(r.url).pathname);
      return out;
    });
    const before = await cached();
    expect(before.some((p) => /mlops_loop_lite_bg-/.test(p))).toBe(true);
    for (const f of later) expect(before).not.toContain(`/${f}`);
    const editor = later.find((f) => /editor-/.test(f));
    await page.evaluate((u) => fetch(u).then((r) => r.arrayBuffer()), `${base}/${editor}`);
    await expect.poll(cached, { timeout: 10_000 }).toContain(`/${editor}`);
    server.kill();
    stopped = true;
    await new Promise((r) => setTimeout(r, 500));
    // the server is really gone: a file outside the cache cannot be fetched
    expect(await page.evaluate(async (u) => { try { await fetch(u, { cache: 'no-store' }); return 'up'; } catch { return 'down'; } },
      `http://127.0.0.1:${PORT}/no-such-file-${Date.now()}`)).toBe('down');
    await page.reload();
    await expect(page.locator('body')).toHaveAttribute('data-ready', '1', { timeout: 30_000 });
    await expect(page.locator('footer #version')).not.toHaveText('…');
    await expect(page.locator('#panel h2')).toHaveText('Exercise 1: map the loop onto your model');
  } finally {
    if (!stopped) server.kill();
  }
});
