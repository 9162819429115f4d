// Data validation on the page: exercise 5 with validation switched off on `broken_feature`
// differs from the full loop exactly as the native `mlops-loop loop --schedule broken_feature
// [--no-validation] --json` timelines do (live versions, AUCs and every decision, week by week);
// the timeline panel shows the quarantine verdicts and takes the switch from the link.
import { test, expect } from '@playwright/test';
import { fmt } from '../../www/src/format.js';
import { decisionText } from '../../www/src/loopview.js';
import { open, native } from './helpers.mjs';

const decs = (w) => w.decisions.map(decisionText).join('; ') || '—';

test('exercise 5: validation off vs the full loop on broken_feature, as the core\'s timelines say', async ({ page }) => {
  test.setTimeout(180_000);
  const full = native(['loop', '--schedule', 'broken_feature']);
  const weak = native(['loop', '--schedule', 'broken_feature', '--no-validation']);
  expect(full, 'mlops-loop loop --json').not.toBeNull();
  expect(weak, 'mlops-loop loop --no-validation --json').not.toBeNull();
  // the native runs differ (what the page must show): quarantines only in the full loop
  const quarantined = full.weeks.filter((w) => w.decisions.some((d) => d.kind === 'validation' && d.verdict === 'quarantine')).map((w) => w.week);
  expect(quarantined.length).toBeGreaterThan(0);
  expect(weak.weeks.every((w) => w.decisions.every((d) => d.kind !== 'validation'))).toBe(true);

  // the 'Show' button sets the year: validation off, broken_feature, seed 0
  await open(page, '#panel=weakest-link');
  await page.getByTestId('show-validation').click();
  await expect(page.locator('[data-control="off"] select')).toHaveValue('validation');
  await expect(page.locator('[data-control="schedule"] select')).toHaveValue('broken_feature');
  expect(page.url()).toContain('off=validation');
  const sum = page.getByTestId('compare-summary');
  await expect(sum).toContainText(fmt.auc(full.summary.mean_auc), { timeout: 60_000 });
  await expect(sum).toContainText(fmt.auc(weak.summary.mean_auc));
  const liveDiff = full.weeks.filter((w, i) => w.live_version !== weak.weeks[i].live_version).length;
  const decDiff = full.weeks.filter((w, i) => decs(w) !== decs(weak.weeks[i])).length;
  expect(liveDiff).toBeGreaterThan(0);
  await expect(page.getByTestId('compare-diff')).toHaveText(
    `The live version differs in ${liveDiff} of ${full.weeks.length} weeks; the decisions differ in ${decDiff} weeks.`);

  // week by week: both loops' live version, AUC and decisions equal the native timelines
  await page.getByText('Week by week, side by side').click();
  const rows = page.getByTestId('compare-weeks').locator('tbody tr');
  await expect(rows).toHaveCount(full.weeks.length);
  const col = (n) => rows.locator(`td:nth-child(${n})`).allTextContents();
  expect(await col(3)).toEqual(full.weeks.map((w) => w.live_label));
  expect(await col(4)).toEqual(weak.weeks.map((w) => w.live_label));
  expect(await col(5)).toEqual(full.weeks.map((w) => fmt.auc(w.auc)));
  expect(await col(6)).toEqual(weak.weeks.map((w) => fmt.auc(w.auc)));
  expect(await col(7)).toEqual(full.weeks.map(decs));
  expect(await col(8)).toEqual(weak.weeks.map(decs));
  // the rows marked as differing are exactly the weeks where the timelines differ
  const marked = await col(2);
  expect(marked.map((t, i) => (t ? i : -1)).filter((i) => i >= 0)).toEqual(full.weeks
    .map((w, i) => (w.live_version !== weak.weeks[i].live_version || decs(w) !== decs(weak.weeks[i]) ? i : -1)).filter((i) => i >= 0));
  // the chapter's account of the two years is on the page
  await expect(page.getByTestId('ex5-validation-text')).toContainText('weeks 20 to 39 are quarantined');
  await expect(page.getByTestId('ex5-validation-text')).toContainText(fmt.auc(full.summary.mean_auc));
  await expect(page.getByTestId('ex5-validation-text')).toContainText(fmt.auc(weak.summary.mean_auc));
});

test('timeline: quarantine verdicts shown as the core recorded them; validation off from the link', async ({ page }) => {
  test.setTimeout(120_000);
  const on = native(['loop', '--schedule', 'broken_feature']);
  const off = native(['loop', '--schedule', 'broken_feature', '--no-validation']);
  await open(page, '#panel=timeline&schedule=broken_feature&seed=0&week=25');
  await expect(page.locator('[data-control="validation"] input')).toBeChecked();
  const q = on.weeks[25].decisions.find((d) => d.kind === 'validation');
  expect(q.verdict).toBe('quarantine');
  await expect(page.getByTestId('week-decisions')).toContainText(fmt.text(q.reason), { timeout: 30_000 });
  await expect(page.getByTestId('week-pvalues')).toHaveText('not tested: the batch failed data validation (quarantined)');
  await expect(page.getByTestId('timeline-summary')).toContainText(fmt.auc(on.summary.mean_auc));
  await open(page, '#panel=timeline&schedule=broken_feature&seed=0&validation=0&week=25');
  await expect(page.locator('[data-control="validation"] input')).not.toBeChecked();
  await expect(page.getByTestId('week-live')).toHaveText(`${off.weeks[25].live_label} (v${off.weeks[25].live_version})`, { timeout: 30_000 });
  await expect(page.getByTestId('week-pvalues')).toContainText(off.weeks[25].drift.alarm ? '→ alarm' : '→ no alarm');
  await expect(page.getByTestId('timeline-summary')).toContainText(fmt.auc(off.summary.mean_auc));
});
