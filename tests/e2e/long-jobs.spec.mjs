// Issue 16, point 7: what a careless link or a long job did to the page. A link with 50,000
// unknown parameters is summarised, not printed line by line; a million-row "train & register"
// runs in a worker of its own, blocks no other panel, and can be cancelled.
import { test, expect } from '@playwright/test';
import { open } from './helpers.mjs';

test('a link with 50,000 unknown parameters: ten lines and one that counts the rest', async ({ page }) => {
  const junk = Array.from({ length: 50_000 }, (_, i) => `x${i}=1`).join('&');
  await open(page, `#panel=retrain-trigger&alpha=abc&${junk}`);
  const lines = page.locator('#messages li');
  await expect(lines).toHaveCount(11);
  await expect(lines.first()).toContainText('Ignored alpha="abc" from the link');
  await expect(lines.nth(1)).toHaveText('Ignored x0="1" from the link: this panel has no such control.');
  await expect(lines.last()).toHaveText('…and 49,991 more parameters of the link ignored, not listed (50,001 problems in all).');
  // the valid part of the state still applies (the panel's default alpha)
  await expect(page.locator('[data-control="alpha"] input').first()).toHaveValue('0.01');
});

test('a million-row train & register blocks no other panel and can be cancelled', async ({ page }) => {
  test.setTimeout(120_000);
  await open(page, '#panel=registry');
  await expect(page.getByTestId('registry-status')).not.toHaveText(/…$/, { timeout: 20_000 });
  const before = await page.locator('[data-testid^="rows-"]').count();
  await page.getByLabel('rows', { exact: true }).fill('1000000');
  await page.getByLabel('label', { exact: true }).fill('too big');
  await page.getByRole('button', { name: 'Train & register' }).click();
  const cancel = page.getByTestId('reg-train-cancel');
  await expect(cancel).toBeVisible({ timeout: 5_000 });
  await expect(page.getByTestId('registry-status')).toHaveText('Training and registering…');
  // Meanwhile the main engine's thread is free: it answers at once (it was held for the whole
  // training, ~37 s, when the job ran in the shared worker). A worker busy in WASM answers nothing
  // until its call returns, so each worker gets 5 s to say its name.
  const answer = (w) => Promise.race([w.evaluate(() => self.name).catch(() => null), new Promise((r) => { setTimeout(() => r(null), 5_000); })]);
  const names = [];
  for (const w of page.workers()) names.push(await answer(w));
  expect(names).toContain('mlops-loop-engine');
  await expect(page.getByTestId('registry-status')).toHaveText('Training and registering…');
  // Cancel ends the job at once; nothing was registered.
  await cancel.click();
  await expect(page.getByTestId('registry-status')).toHaveText('Training and registering: cancelled.', { timeout: 3_000 });
  await expect(cancel).toBeHidden();
  await expect(page.locator('[data-testid^="rows-"]')).toHaveCount(before);
  // The panel works afterwards: a small job registers.
  await page.getByLabel('rows', { exact: true }).fill('500');
  await page.getByLabel('label', { exact: true }).fill('small');
  await page.getByRole('button', { name: 'Train & register' }).click();
  await expect(page.getByTestId('registry-status')).toHaveText(/^Registered version \d+\.$/, { timeout: 30_000 });
  await expect(page.locator('[data-testid^="rows-"]')).toHaveCount(before + 1);
  // The job's worker is gone once it is done: the main and (maybe) spare engines remain.
  await expect.poll(() => page.workers().filter((w) => w.url().startsWith('blob:')).length).toBeLessThanOrEqual(2);
});
