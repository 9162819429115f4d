// Exercise 2: a deep link, a moved control, the numbers the pinned scipy gives for the same samples
// (tests/fixtures/e2e/panels.json, from tests/oracle/gen_e2e.py), the simulator's exact counts, the
// hide flag, and the challenge (fails at the defaults, met with enough rows).
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { open, axeLightDark, screenshots, BOOK } from './helpers.mjs';

const FX = JSON.parse(readFileSync('tests/fixtures/e2e/panels.json', 'utf8'));
// a number's full value is in data-value (its text follows the page's 3–4 digit rule)
const num = async (loc) => Number(await loc.getAttribute('data-value'));

test('book KS at the defaults; deep link + moved control match scipy; hidden control', async ({ page }) => {
  await open(page, '#panel=retrain-trigger');
  await expect(page.getByTestId('ks-d')).toHaveAttribute('data-value', BOOK.ks_d);
  expect(await num(page.getByTestId('ks-p'))).toBe(Number(BOOK.ks_pvalue));
  await expect(page.getByTestId('ks-method')).toHaveText('exact');

  await open(page, '#panel=retrain-trigger&seed_live=5&drift=4&alpha_hide=1');
  await expect(page.locator('[data-control="alpha"]')).toBeHidden();
  await expect(page.locator('[data-control="drift"] input')).toHaveValue('4');
  await page.locator('[data-control="rows"] input').fill('1500');
  await expect.poll(() => num(page.getByTestId('ks-d'))).toBe(Number(FX.ks_seed5_drift4_rows1500_days.statistic));
  expect(await num(page.getByTestId('ks-p'))).toBe(Number(FX.ks_seed5_drift4_rows1500_days.pvalue));
  await expect(page.getByTestId('ks-verdict')).toHaveText(/^no alarm/);
  expect(page.url()).toContain('rows=1500');
  expect(page.url()).toContain('alpha_hide=1');
  await page.locator('[data-control="column"] select').selectOption('spend_per_active_day');
  await expect.poll(() => num(page.getByTestId('ks-d'))).toBe(Number(FX.ks_seed5_drift4_rows1500_spend.statistic));
  expect(await num(page.getByTestId('ks-p'))).toBe(Number(FX.ks_seed5_drift4_rows1500_spend.pvalue));
  await expect(page.getByTestId('ecdf-chart').locator('svg').first()).toBeVisible();
  await expect(page.getByTestId('ecdf-chart').locator('details table')).toHaveCount(1);
  // reload keeps everything (state is in the link)
  await page.reload();
  await expect(page.locator('[data-control="column"] select')).toHaveValue('spend_per_active_day');
  await expect(page.locator('[data-control="alpha"]')).toBeHidden();
});

test('false-alarm simulator counts match the oracle, with corrections', async ({ page }) => {
  await open(page, '#panel=retrain-trigger&trials=100');
  await page.getByRole('button', { name: 'Run the no-drift checks' }).click();
  const n = FX.null_none;
  await expect(page.getByTestId('fa-rate')).toHaveText(`${n.alarms} / ${n.trials} = ${(100 * n.alarms / n.trials).toFixed(1)} %`, { timeout: 30_000 });
  await page.locator('[data-control="correction"] select').selectOption('bonferroni');
  await page.getByRole('button', { name: 'Run the no-drift checks' }).click();
  const b = FX.null_bonferroni;
  await expect(page.getByTestId('fa-rate')).toHaveText(`${b.alarms} / ${b.trials} = ${(100 * b.alarms / b.trials).toFixed(1)} %`, { timeout: 30_000 });
  await page.getByRole('button', { name: 'Draw the power curve' }).click();
  await expect(page.getByTestId('power-chart').locator('svg').first()).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('power-chart').locator('tbody tr')).toHaveCount(9);
  await axeLightDark(page);
  await screenshots(page, 'retrain-trigger');
});

test('challenge: fails at the defaults, met with enough rows', async ({ page }) => {
  test.setTimeout(240_000);
  await open(page, '#panel=retrain-trigger');
  await page.getByRole('button', { name: 'Check my trigger' }).click();
  await expect(page.getByTestId('challenge-verdict')).toHaveText(/Not yet/, { timeout: 60_000 });
  await open(page, '#panel=retrain-trigger&rows=10000');
  await page.getByRole('button', { name: 'Check my trigger' }).click();
  await expect(page.getByTestId('challenge-verdict')).toHaveText('Challenge met.', { timeout: 200_000 });
});
