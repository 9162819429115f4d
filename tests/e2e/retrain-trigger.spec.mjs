// Exercise 2: a deep link, a moved control, the numbers the pinned scipy gives for the same samples
// (tests/fixtures/e2e/panels.json, from tests/oracle/gen_e2e.py), the simulator's exact counts, the
// hide flag, and the challenge (fails at the defaults and without a correction, met with one and
// enough rows).
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

test('challenge: fails at the defaults, fails with enough rows and a hand-lowered alpha but no correction, met with a correction', async ({ page }) => {
  test.setTimeout(300_000);
  await open(page, '#panel=retrain-trigger');
  await page.getByRole('button', { name: 'Check my trigger' }).click();
  await expect(page.getByTestId('challenge-verdict')).toHaveText(/Not yet/, { timeout: 60_000 });
  // enough rows for the power, and alpha lowered by hand to 0.003 (which alone would keep false
  // alarms under 1 % on this seed): the promise is alpha 1 %, so the core grades at 1 %, where
  // three uncorrected tests alarm on more than 1 % of the no-drift checks
  await open(page, '#panel=retrain-trigger&rows=10000&alpha=0.003');
  await page.getByRole('button', { name: 'Check my trigger' }).click();
  await expect(page.getByTestId('challenge-verdict')).toHaveText(/Not yet: three features share one false-alarm budget/, { timeout: 200_000 });
  await expect(page.getByTestId('challenge-fa')).toHaveText(/^✗ false alarms \(alpha 0\.01, no correction, n = 10000\)/);
  await expect(page.getByTestId('challenge-power')).toHaveText(/^✓/);
  await page.locator('[data-control="correction"] select').selectOption('bonferroni');
  await expect(page.getByTestId('stale-note').last()).toBeVisible();
  await page.getByRole('button', { name: 'Check my trigger' }).click();
  await expect(page.getByTestId('challenge-verdict')).toHaveText('Challenge met.', { timeout: 200_000 });
  await expect(page.getByTestId('challenge-fa')).toHaveText(/^✓ false alarms \(alpha 0\.01, Bonferroni, n = 10000\)/);
  await expect(page.getByTestId('stale-note').last()).toBeHidden();
});

test('the cost tool prices every alpha and correction; results go stale when a price changes', async ({ page }) => {
  test.setTimeout(120_000);
  await open(page, '#panel=retrain-trigger&trials=100');
  await page.getByRole('button', { name: 'Price the trigger' }).click();
  const rows = page.getByTestId('cost-chart').locator('tbody tr');
  await expect(rows).toHaveCount(24, { timeout: 60_000 });
  await expect(page.getByTestId('cost-verdict')).toHaveText(/^Your setting \(alpha 0.01, no correction\)/);
  // no rate above 100 % (at these prices a trigger that alarmed at every check would still pay)
  const shares = (t) => [...t.matchAll(/(\d+(?:\.\d+)?) %/g)].map((m) => Number(m[1]));
  for (const p of shares(await page.getByTestId('cost-verdict').textContent())) expect(p).toBeLessThanOrEqual(100);
  const breakEven = await rows.locator('td:nth-child(8)').allTextContents();
  for (const t of breakEven) for (const p of shares(t)) expect(p).toBeLessThanOrEqual(100);
  await expect(page.getByTestId('cost-verdict')).toContainText('even if every check raised a false alarm');
  // the alpha axis reads as the controls write alphas: 0.001, 0.01, 0.1 (not SI's "1m", "10m")
  const ticks = await page.getByTestId('cost-chart').locator('svg text').allTextContents();
  expect(ticks).toEqual(expect.arrayContaining(['0.001', '0.01', '0.1']));
  expect(ticks.filter((t) => /^\d+m$/.test(t.trim()))).toEqual([]);
  // a stricter alpha never has more false alarms (same simulated checks for every row)
  const fa = (await rows.locator('td:nth-child(3)').allTextContents()).map((t) => parseFloat(t));
  for (let c = 0; c < 3; c++) for (let i = 1; i < 8; i++) expect(fa[8 * c + i]).toBeGreaterThanOrEqual(fa[8 * c + i - 1]);
  const section = page.locator('section.cell', { has: page.getByTestId('cost-now') });
  await page.locator('[data-control="fa_cost"] input').fill('10000');
  await expect(section).toHaveAttribute('data-state', 'stale');
  await page.getByRole('button', { name: 'Price the trigger' }).click();
  await expect(page.getByTestId('cost-verdict')).toHaveText(/more trouble than it is worth/, { timeout: 60_000 });
  await expect(section).not.toHaveAttribute('data-state', 'stale');
});
