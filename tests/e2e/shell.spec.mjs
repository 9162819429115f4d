// The page shell: bad values in the link are reported in plain text and fall back to defaults
// (never a crash, never markup from the URL), unknown panels fall back, navigation is by links.
import { test, expect } from '@playwright/test';
import { createHash } from 'node:crypto';
import { open } from './helpers.mjs';

test('bad hash values get a clear message naming parameter and value, as text', async ({ page }) => {
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await open(page, '#panel=retrain-trigger&alpha=abc&rows=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&bogus=1&drift=ten');
  const msgs = page.locator('#messages');
  await expect(msgs).toBeVisible();
  await expect(msgs).toContainText('Ignored alpha="abc" from the link');
  await expect(msgs).toContainText('Using the default 0.01');
  await expect(msgs).toContainText('Ignored rows="<img src=x onerror=alert(1)>"');
  await expect(msgs).toContainText('Ignored drift="ten"');
  await expect(msgs).toContainText('Ignored bogus="1" from the link: this panel has no such control');
  await expect(page.locator('img')).toHaveCount(0);
  await expect(page.locator('#panel h2')).toHaveText('Exercise 2: build the retraining trigger');
  expect(dialogs).toEqual([]);
});

test('a setting or a panel given twice in the link: the first counts, and the message says so', async ({ page }) => {
  await open(page, '#panel=retrain-trigger&alpha=0.02&alpha=0.05&seed=7&seed_live=9&panel=timeline');
  const msgs = page.locator('#messages');
  await expect(msgs).toContainText('The link names 2 panels ("retrain-trigger", "timeline"); the first counts.');
  await expect(msgs).toContainText('Ignored alpha="0.05" from the link: it gives alpha more than once, and the first, "0.02", counts.');
  await expect(msgs).toContainText('Ignored seed_live="9" from the link: it gives seed and seed_live more than once, and the first, "7", counts.');
  await expect(page.locator('#panel h2')).toHaveText('Exercise 2: build the retraining trigger');
  await expect(page.locator('[data-control="alpha"] output')).toHaveText('0.02');
  await expect(page.locator('[data-control="seed_live"] input')).toHaveValue('7');
  // the iframe form: a setting in its query and in its hash (the hash's counts), and one given twice in the query
  await page.goto('/embed.html?panel=retrain-trigger&alpha=0.05&rows=400&rows=500#alpha=0.02');
  await expect(page.locator('body')).toHaveAttribute('data-ready', '1', { timeout: 30_000 });
  await expect(msgs).toContainText('Ignored alpha="0.05" from the link: it gives alpha more than once, and the first, "0.02", counts.');
  await expect(msgs).toContainText('Ignored rows="500" from the link: it gives rows more than once, and the first, "400", counts.');
  await expect(page.locator('[data-control="alpha"] output')).toHaveText('0.02');
  await expect(page.locator('[data-control="rows"] output')).toHaveText('400');
});

test('an unknown panel falls back to the walkthrough with a message', async ({ page }) => {
  await open(page, '#panel=%3Cscript%3Ex%3C%2Fscript%3E');
  await expect(page.locator('#messages')).toContainText('Unknown panel "<script>x</script>" in the link; showing "walkthrough" instead.');
  await expect(page.locator('#panel h2')).toHaveText('Walkthrough: one turn of the loop');
  await expect(page.locator('#panel-nav .ring a[aria-current="page"]').first()).toHaveText('Walkthrough');
});

test('the loop is the navigation: its links switch panels, the hash follows, the stage is marked', async ({ page }) => {
  await open(page, '');
  await page.locator('#panel-nav .ring-wrap').getByRole('link', { name: 'Ex 1 · map the loop onto your model' }).click();
  await expect(page.locator('#panel h2')).toHaveText('Exercise 1: map the loop onto your model');
  expect(new URL(page.url()).hash).toBe('#panel=map-the-loop');
  await expect(page.locator('#messages')).toBeHidden();
  // each stage links to where it is computed: the registry stage to the registry panel, marked once there
  await page.locator('#panel-nav .ring [data-stage="registry"]').getByRole('link', { name: 'Registry' }).click();
  await expect(page.locator('#panel h2')).toHaveText('Registry');
  await expect(page.locator('#panel-nav .ring .stage-node.current')).toHaveAttribute('data-stage', 'registry');
});

test('on a phone the loop folds into a compact menu', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await open(page, '#panel=timeline');
  await expect(page.locator('#panel-nav .ring-wrap')).toBeHidden();
  const menu = page.locator('#panel-nav .navmenu');
  await expect(menu.locator('.navmenu-current')).toHaveText('Timeline');
  await menu.locator('summary').click();
  await menu.getByRole('link', { name: 'Registry' }).click();
  await expect(page.locator('#panel h2')).toHaveText('Registry');
  await expect(menu).not.toHaveAttribute('open', '');
});

test('the page declares a strict Content-Security-Policy', async ({ page }) => {
  const violations = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
  await open(page, '#panel=map-the-loop');
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(csp).not.toContain("'unsafe-eval'");
  expect(csp).toContain("default-src 'self'");
  const scriptSrc = csp.split(';').map((d) => d.trim().split(/\s+/)).find((d) => d[0] === 'script-src');
  expect(scriptSrc).not.toContain("'unsafe-inline'");
  // One inline script, early.js (SECURITY.md), allowed by its hash and by nothing else.
  const inline = await page.locator('script:not([src])').evaluateAll((ss) => ss.map((s) => s.textContent));
  expect(inline).toHaveLength(1);
  expect(scriptSrc).toContain(`'sha256-${createHash('sha256').update(inline[0]).digest('base64')}'`);
  expect(scriptSrc.filter((s) => s.startsWith("'sha"))).toHaveLength(1);
  expect(violations).toEqual([]);
});

// early.js, the page's one inline script, starts the engine worker while the page's own scripts
// are still arriving (docs/wasm-api.md); the page adopts that worker. A worker the page did not adopt,
// or one started on the wrong script, would show here as a second worker or the wrong file.
for (const [link, script] of [
  ['/index.html#panel=map-the-loop', 'worker'],
  ['/index.html#panel=timeline', 'worker-full'],
  ['/embed.html?panel=timeline', 'worker-full'],
  ['/embed.html?panel=map-the-loop#panel=timeline', 'worker-full'],
]) {
  test(`${link}: one engine worker, started on ${script}.js and adopted by the page`, async ({ page }) => {
    const workers = [];
    const scripts = [];
    page.on('worker', (w) => workers.push(w));
    page.on('request', (r) => {
      const f = r.url().split('/').pop();
      if (/^worker(-full)?-[\w-]+\.js$/.test(f)) scripts.push(f);
    });
    await page.goto(link);
    await expect(page.locator('body')).toHaveAttribute('data-ready', '1', { timeout: 30_000 });
    await page.waitForTimeout(300); // a stray worker started late would have shown by now
    expect(workers).toHaveLength(1);
    expect(await workers[0].evaluate(() => self.name)).toBe('mlops-loop-engine');
    expect(scripts).toHaveLength(1);
    expect(scripts[0].startsWith(`${script}-`) && (script === 'worker-full' || !scripts[0].startsWith('worker-full-'))).toBe(true);
    // engine.js has taken the early worker (and left null, so that early.js starts no other).
    expect(await page.evaluate(() => globalThis[Symbol.for('mlops-loop.worker')])).toBeNull();
  });
}

// Each link fetches only the WASM module its engine starts on, once: early.js is the one fetch
// (no preload of the lite module, which a page opened on the timeline would download for nothing
// while the full one it needs arrives). Watched from the first request to the panel done. (The
// service worker's offline copy of every file, made after the page is idle, is not the page's
// first load: it registers only then, and its own requests are not the page's.)
for (const [link, module, done] of [
  ['/index.html#panel=timeline&seed=2&schedule=step', 'full', '#panel .panel-body[data-state="done"]'],
  ['/embed.html?panel=timeline', 'full', '#panel .panel-body[data-state="done"]'],
  ['/index.html#panel=map-the-loop', 'lite', 'body[data-ready="1"]'],
]) {
  test(`${link}: a cold load fetches the ${module} WASM module once, and not the other`, async ({ page }) => {
    test.setTimeout(120_000);
    const wasm = [];
    page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(r.url().split('/').pop()); });
    await page.goto(link);
    await expect(page.locator(done)).toHaveCount(1, { timeout: 60_000 });
    await page.waitForTimeout(300); // a late fetch would have shown by now
    const full = wasm.filter((f) => /^mlops_loop_bg-[\w-]+\.wasm$/.test(f));
    const lite = wasm.filter((f) => /^mlops_loop_lite_bg-[\w-]+\.wasm$/.test(f));
    expect(module === 'full' ? full : lite).toHaveLength(1);
    expect(module === 'full' ? lite : full).toEqual([]);
    expect(wasm).toHaveLength(1);
  });
}
