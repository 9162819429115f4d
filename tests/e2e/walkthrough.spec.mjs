// The walkthrough runs on the core's chapter(params). With the defaults the three cells print the
// book's three lines byte for byte (tests/fixtures/book_output.txt), and every shown number equals
// the native core's (`mlops-loop train|predict|ks --json`); a moved control recomputes, lands in the
// link, and agrees with the native KS test.
import { test, expect } from '@playwright/test';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { open, axeLightDark, screenshots, BOOK, native } from './helpers.mjs';

const BOOK_LINES = readFileSync('tests/fixtures/book_output.txt', 'utf8').replace(/\n$/, '').split('\n');

/** The native core's numbers for the chapter's defaults (fingerprint, AUC, KS, both recent AUCs). */
function nativeChapter() {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-walkthrough-'));
  const current = native(['train', '--seed', '1', '--drift', '0.0', '--save', join(dir, 'current.json')]);
  const candidate = native(['train', '--seed', '2', '--drift', '10', '--version', '1.1.0', '--save', join(dir, 'candidate.json')]);
  const ks = native(['ks', '--seed-a', '1', '--drift-a', '0.0', '--seed-b', '2', '--drift-b', '10']);
  const cur = native(['predict', '--model', join(dir, 'current.json'), '--seed', '3', '--drift', '10']);
  const cand = native(['predict', '--model', join(dir, 'candidate.json'), '--seed', '3', '--drift', '10']);
  return { current, candidate, ks, cur, cand };
}

/** Python's f"{p:.1e}". */
const py1e = (p) => p.toExponential(1).replace(/e([+-])(\d)$/, 'e$10$2');

test('the book\'s three lines byte for byte, numbers equal to the native core', async ({ page }) => {
  test.setTimeout(180_000);
  expect(BOOK_LINES).toHaveLength(3);
  await open(page, '#panel=walkthrough');
  for (let i = 0; i < 3; i++) {
    await expect(page.getByTestId(`line-${i + 1}`)).toHaveText(BOOK_LINES[i], { timeout: 60_000 });
    // byte for byte: the element's text is exactly the line (no trimming, no extra whitespace)
    expect(await page.getByTestId(`line-${i + 1}`).evaluate((e) => e.textContent)).toBe(BOOK_LINES[i]);
  }
  const n = nativeChapter();
  expect(n.current, 'the native CLI answers (MLOPS_LOOP_CLI or cargo build --release)').not.toBeNull();
  await expect(page.getByTestId('fingerprint')).toHaveText(n.current.data_fingerprint);
  await expect(page.getByTestId('version')).toHaveText(n.current.version);
  await expect(page.getByTestId('auc')).toHaveAttribute('data-value', n.current.auc_repr);
  await expect(page.getByTestId('ks-d')).toHaveAttribute('data-value', String(n.ks.statistic));
  await expect(page.getByTestId('pvalue')).toHaveAttribute('data-value', n.ks.pvalue_repr);
  await expect(page.getByTestId('ks-method')).toHaveText(n.ks.method);
  await expect(page.getByTestId('current-auc')).toHaveAttribute('data-value', String(n.cur.auc));
  await expect(page.getByTestId('candidate-auc')).toHaveAttribute('data-value', String(n.cand.auc));
  await expect(page.getByTestId('candidate')).toHaveText(`1.1.0 (data ${n.candidate.data_fingerprint})`);
  // and the committed copy of the Python oracle agrees with both
  expect(n.current.auc_repr).toBe(BOOK.auc);
  expect(n.ks.pvalue_repr).toBe(BOOK.ks_pvalue);
  expect(String(n.cur.auc)).toBe(BOOK.current_auc_recent);
  expect(String(n.cand.auc)).toBe(BOOK.candidate_auc_recent);
  // Run again: by now the spare worker is up (a 2-core runner), so the two models are fitted in
  // two workers at once and handed to chapter(); the lines must not change by a byte.
  if (await page.evaluate(() => navigator.hardwareConcurrency >= 2)) {
    await expect(async () => {
      await page.getByRole('button', { name: 'Run all three steps' }).click();
      await expect(page.locator('.panel-body')).toHaveAttribute('data-state', 'done');
      await expect(page.locator('.panel-body')).toHaveAttribute('data-fits', 'two workers', { timeout: 1000 });
    }).toPass({ timeout: 30_000 });
    for (let i = 0; i < 3; i++) {
      expect(await page.getByTestId(`line-${i + 1}`).evaluate((e) => e.textContent)).toBe(BOOK_LINES[i]);
    }
    await expect(page.getByTestId('candidate-auc')).toHaveAttribute('data-value', String(n.cand.auc));
  }
  await axeLightDark(page);
  await screenshots(page, 'walkthrough');
});

test('live drift 0: the monitor calms down, as the native KS test says', async ({ page }) => {
  test.setTimeout(120_000);
  await open(page, '#panel=walkthrough');
  await expect(page.getByTestId('line-2')).toHaveText(BOOK_LINES[1], { timeout: 60_000 });
  const drift = page.locator('[data-control="drift_live"] input');
  await drift.fill('0');
  await drift.press('Tab');
  const ks = native(['ks', '--seed-a', '1', '--drift-a', '0.0', '--rows-a', '3000', '--seed-b', '2', '--drift-b', '0', '--rows-b', '3000']);
  expect(ks).not.toBeNull();
  expect(ks.pvalue).toBeGreaterThanOrEqual(0.01);
  await expect(page.getByTestId('line-2')).toHaveText(`input drift p=${py1e(ks.pvalue)} -> retrain triggered: False`, { timeout: 60_000 });
  await expect(page.getByTestId('pvalue')).toHaveAttribute('data-value', ks.pvalue_repr);
  await expect(page.getByTestId('ks-d')).toHaveAttribute('data-value', String(ks.statistic));
  await expect(page.getByTestId('retrain')).toHaveText(/^no/);
  await expect(page.getByTestId('candidate')).toHaveText('none: no retraining was triggered');
  // step 1 did not change: the registered model is still the book's
  await expect(page.getByTestId('line-1')).toHaveText(BOOK_LINES[0]);
  expect(page.url()).toContain('drift_live=0');
  // the link reproduces the state
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', '1');
  await expect(page.getByTestId('pvalue')).toHaveAttribute('data-value', ks.pvalue_repr, { timeout: 60_000 });
});
