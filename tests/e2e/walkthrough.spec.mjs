// The walkthrough: with the defaults the three cells print the book's three lines exactly, with
// fingerprint, AUC and p-value shown; a moved control recomputes and lands in the link.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { open, axeLightDark, screenshots, BOOK, native } from './helpers.mjs';

const hasChapter = /export function chapter\b/.test(readFileSync('www/pkg/mlops_loop.js', 'utf8'));

test('the book\'s three lines, then a moved seed', async ({ page }) => {
  test.setTimeout(180_000);
  await open(page, '#panel=walkthrough');
  if (!hasChapter) {
    await expect(page.getByTestId('coming')).toContainText('chapter(params)');
    await axeLightDark(page);
    return;
  }
  for (let i = 0; i < 3; i++) await expect(page.getByTestId(`line-${i + 1}`)).toHaveText(BOOK.lines[i], { timeout: 60_000 });
  await expect(page.getByTestId('fingerprint')).toHaveText(BOOK.fingerprint);
  await expect(page.getByTestId('auc')).toHaveText(BOOK.auc);
  expect(Number(await page.getByTestId('pvalue').textContent())).toBe(Number(BOOK.ks_pvalue));
  await expect(page.getByTestId('current-auc')).toHaveText(BOOK.current_auc_recent);
  await expect(page.getByTestId('candidate-auc')).toHaveText(BOOK.candidate_auc_recent);
  await axeLightDark(page);
  await screenshots(page, 'walkthrough');

  // move the live drift to 0: the monitor should calm down; compare with the native CLI when it has `chapter`
  const drift = page.locator('[data-control="drift_live"] input');
  await drift.fill('0');
  await drift.press('Tab');
  await expect(page.getByTestId('line-2')).not.toHaveText(BOOK.lines[1], { timeout: 60_000 });
  expect(page.url()).toContain('drift_live=0');
  const cli = native(['chapter', '--drift-live', '0']);
  if (cli?.lines) for (let i = 0; i < 3; i++) await expect(page.getByTestId(`line-${i + 1}`)).toHaveText(cli.lines[i]);
});
