// Hostile links: hundreds of random URL hashes (unknown panels, hostile values, markup, huge and
// deep values, repeated keys) must never throw in the page, open a dialog, inject an element or
// start unbounded work; a good link afterwards still works.
import { test, expect } from '@playwright/test';

const PANELS = ['walkthrough', 'map-the-loop', 'retrain-trigger', 'promotion-gate', 'exploration-vs-production',
  'weakest-link', 'registry', 'timeline', 'nope', ''];
const KEYS = ['panel', 'alpha', 'column', 'correction', 'drift', 'drift_recent', 'loop_seed', 'margin', 'off',
  'resamples', 'rounds', 'rows', 'schedule', 'seed', 'seed_live', 'seed_recent', 'seed_ref', 'seed_train',
  'sim_seed', 'small_drift', 'trials', 'week', 'weeks', 'alpha_hide', 'rows_hide', '__proto__', 'constructor'];
const VALUES = ['NaN', 'Infinity', '-Infinity', '-0', '-1', '0', '1e308', '9'.repeat(400), '1e-400', '',
  '<img src=x onerror=alert(1)>', '"><script>alert(1)</script>', 'javascript:alert(1)', '%00', '%E0%A4%A',
  '10', '10.0', '0.01', '3000', '1000000000', 'true', '[]', '{}', '%7B%22a%22%3A1%7D', '\u202e'];

function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

test('300 hostile hashes: no error, no dialog, no injected element, page still usable', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', async (d) => { errors.push(`dialog: ${d.message()}`); await d.dismiss(); });
  await page.goto('/index.html');
  await expect(page.locator('body')).toHaveAttribute('data-ready', '1');
  const r = rng(7);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  for (let i = 0; i < 300; i++) {
    const parts = [`panel=${encodeURIComponent(pick(PANELS))}`];
    const n = Math.floor(r() * 6);
    for (let k = 0; k < n; k++) parts.push(`${pick(KEYS)}=${pick(VALUES)}`);
    await page.evaluate((h) => { location.hash = h; }, parts.join('&'));
    if (i % 25 === 0) await page.waitForTimeout(50);
  }
  await page.waitForTimeout(500);
  // (the page's one inline script, early.js, is in the head before anything runs: data-engine)
  const injected = await page.evaluate(() => document.querySelectorAll('img[src="x"], script:not([src]):not(head > script[data-engine]), [onerror]').length);
  expect(injected).toBe(0);
  expect(errors).toEqual([]);
  // A good deep link still works after all that.
  await page.goto('/index.html#panel=walkthrough');
  await expect(page.locator('body')).toHaveAttribute('data-ready', '1');
  await expect(page.locator('#main')).toContainText(/registered model|Walkthrough|walkthrough/i);
});
