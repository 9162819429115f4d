// The foundation: the page loads the WASM, shows the engine's version in the footer and a value
// computed in WASM (the walkthrough's data fingerprint).
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';

const crateVersion = readFileSync('Cargo.toml', 'utf8').match(/^version = "(.+)"$/m)[1];

test('both wasm modules are served as application/wasm', async ({ request }) => {
  const html = await (await request.get('/index.html')).text();
  const scripts = [...html.matchAll(/src="\.\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  expect(scripts.length).toBeGreaterThan(0);
  let entry = '';
  for (const js of scripts) entry += await (await request.get(`/${js}`)).text();
  // The WASM is loaded by the engine's Web Worker, named by the entry or one of the chunks it imports.
  let worker = entry.match(/worker-[\w-]+\.js/);
  for (const chunk of entry.match(/[\w-]+\.js/g) ?? []) {
    if (worker) break;
    worker = (await (await request.get(`/assets/${chunk}`)).text()).match(/worker-[\w-]+\.js/);
  }
  expect(worker).not.toBeNull();
  // The worker holds the lite module's glue and imports the full module's glue on demand.
  const glue = await (await request.get(`/assets/${worker[0]}`)).text();
  const lite = glue.match(/mlops_loop_lite_bg-[\w-]+\.wasm/);
  const fullGlue = glue.match(/mlops_loop-[\w-]+\.js/);
  expect(lite).not.toBeNull();
  expect(fullGlue).not.toBeNull();
  const full = (await (await request.get(`/assets/${fullGlue[0]}`)).text()).match(/mlops_loop_bg-[\w-]+\.wasm/);
  expect(full).not.toBeNull();
  for (const wasm of [lite[0], full[0]]) {
    const res = await request.get(`/assets/${wasm}`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toBe('application/wasm');
  }
});

test('shows the engine version in the footer and the data fingerprint computed in WASM', async ({ page }) => {
  await page.goto('/index.html#panel=walkthrough');
  await expect(page.locator('body')).toHaveAttribute('data-ready', '1');
  await expect(page.locator('footer #version')).toHaveText(new RegExp(`^${crateVersion.replace(/\./g, '\\.')}`));
  // The book's fingerprint for seed 1, drift 0.0 (pandas hash_pandas_object + sha256).
  await expect(page.getByTestId('fingerprint')).toHaveText('cf0f14ace53e', { timeout: 60_000 });
});
