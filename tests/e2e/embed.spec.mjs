// Embedding: the custom element and the iframe form on a Quarto-like page; both follow Quarto's
// dark-mode toggle (body.quarto-dark, no event) and the iframe sizes itself to its content.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { shotPath } from './helpers.mjs';

test('custom element and iframe embed, follow the host theme, resize', async ({ page }) => {
  await page.goto('/example-quarto.html');
  const el = page.locator('mlops-exercise[name="retrain-trigger"]');
  await expect(el).toHaveAttribute('data-ready', '1', { timeout: 30_000 });
  await expect(el.locator('h2')).toHaveText('Exercise 2: build the retraining trigger');
  const frame = page.frameLocator('iframe[data-mlops-loop]');
  await expect(frame.locator('#panel h2')).toHaveText('Exercise 3: build the promotion gate');
  await expect(frame.locator('body')).toHaveAttribute('data-ready', '1', { timeout: 30_000 });
  // the frame takes its content's height (posted by the frame, applied by embed.js)
  await expect.poll(async () => {
    const [fh, ch] = await Promise.all([
      page.locator('iframe[data-mlops-loop]').evaluate((f) => f.getBoundingClientRect().height),
      frame.locator('body').evaluate((b) => b.getBoundingClientRect().height)]);
    return Math.abs(fh - ch);
  }).toBeLessThanOrEqual(2);

  await expect(el.locator('.mlops-root')).not.toHaveClass(/dark/);
  await page.getByRole('button', { name: 'Toggle dark mode' }).click();
  await expect(page.locator('body')).toHaveClass(/quarto-dark/);
  await expect(el.locator('.mlops-root')).toHaveClass(/dark/);
  await expect(frame.locator('html')).toHaveAttribute('data-theme', 'dark');
  const bg = await el.locator('.mlops-root').evaluate((r) => getComputedStyle(r).backgroundColor);
  expect(bg).toBe('rgb(22, 24, 27)');
  await page.getByRole('button', { name: 'Toggle dark mode' }).click();
  await expect(el.locator('.mlops-root')).not.toHaveClass(/dark/);
  await expect(frame.locator('html')).toHaveAttribute('data-theme', 'light');

  for (const dark of [false, true]) {
    if (dark) await page.getByRole('button', { name: 'Toggle dark mode' }).click();
    const r = await new AxeBuilder({ page }).analyze();
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes[0].target}`);
    expect(bad, bad.join('\n')).toEqual([]);
  }
  await page.screenshot({ path: shotPath('docs/screenshots/example-quarto-dark.png'), fullPage: true });
});

test('bad attributes are reported as text, not markup', async ({ page }) => {
  await page.goto('/example-quarto.html');
  await page.evaluate(() => {
    const x = document.createElement('mlops-exercise');
    x.setAttribute('name', 'retrain-trigger');
    x.setAttribute('alpha', '<b>2</b>');
    x.setAttribute('hide', 'rows, nosuch, seed');
    x.id = 'bad';
    document.querySelector('main').append(x);
  });
  const bad = page.locator('#bad');
  await expect(bad.locator('.messages')).toContainText('Ignored alpha="<b>2</b>"');
  await expect(bad.locator('.messages b')).toHaveCount(0);
  // a name in hide that is no setting is reported; the others are hidden (seed: the panel's main seed)
  await expect(bad.locator('.messages')).toContainText('Ignored "nosuch" in hide: this exercise has no such setting.');
  await expect(bad.locator('[data-control="rows"]').first()).toBeHidden();
  await expect(bad.locator('[data-control="seed_live"]').first()).toBeHidden();
  await expect(bad.locator('[data-control="alpha"]').first()).toBeVisible();
});

test('a timeline element first on its page: the engine starts on the full module and the year is drawn, then its counterfactuals', async ({ page }) => {
  test.setTimeout(120_000);
  // A host page whose first (and only) element is the timeline, beside embed.js.
  await page.route('**/timeline-host.html', (route) => route.fulfill({ contentType: 'text/html', body:
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>host</title><script type="module" src="./embed.js"></script></head>'
    + '<body><mlops-exercise name="timeline" seed="2" schedule="step" weeks="30"></mlops-exercise></body></html>' }));
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(r.url().split('/').pop()); });
  await page.goto('/timeline-host.html');
  const el = page.locator('mlops-exercise[name="timeline"]');
  await expect(el).toHaveAttribute('data-ready', '1', { timeout: 30_000 });
  await expect(el.locator('.panel-body')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(el.getByTestId('timeline-summary')).not.toBeEmpty();
  await expect(el.locator('[data-testid="counterfactuals-pending"]')).toBeHidden();
  // the engine's worker compiled the full module only: no lite module was fetched for this page
  expect(wasm.some((f) => /^mlops_loop_bg-/.test(f))).toBe(true);
  expect(wasm.some((f) => /^mlops_loop_lite_bg-/.test(f))).toBe(false);
});

test('on a phone the custom element stays inside the book\'s column, and so does the iframe beside it', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/example-quarto.html');
  const el = page.locator('mlops-exercise[name="retrain-trigger"]');
  await expect(el).toHaveAttribute('data-ready', '1', { timeout: 30_000 });
  await expect(el.locator('[data-testid="ks-d"][data-value]')).toBeAttached({ timeout: 30_000 });
  const box = await el.evaluate((e) => {
    const col = e.parentElement.getBoundingClientRect();
    const cs = getComputedStyle(e.parentElement);
    return { right: e.getBoundingClientRect().right, frameRight: document.querySelector('iframe[data-mlops-loop]').getBoundingClientRect().right,
      colRight: col.right - parseFloat(cs.paddingRight), vw: window.innerWidth };
  });
  expect(box.colRight).toBeLessThanOrEqual(box.vw);
  expect(box.right).toBeLessThanOrEqual(box.colRight + 0.5);
  expect(box.frameRight).toBeLessThanOrEqual(box.colRight + 0.5);
});
