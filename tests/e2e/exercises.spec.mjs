// Exercises 4 and 5 on the core's loop engine. Exercise 4: one turn by hand (KS p-values and both
// recent AUCs equal the native CLI), the gates' verdict on the same numbers, the automated year
// (summary equal to `mlops-loop loop --json`), the judgements listed, the reflection kept across a
// reload. Exercise 5: the side-by-side year equals the native runs with and without the practice;
// the challenge fails with wrong matches and is met with the right ones.
import { test, expect } from '@playwright/test';
import { fmt } from '../../www/src/format.js';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { open, axeLightDark, screenshots, native, BOOK } from './helpers.mjs';

const FEATURES = ['spend_per_active_day', 'is_recent', 'days_since_login'];

test('exercise 4: by hand, the gates on the same numbers, then a year with the gates on', async ({ page }) => {
  test.setTimeout(180_000);
  await open(page, '#panel=two-loops');
  await page.getByRole('button', { name: 'Check the live inputs for drift' }).click();
  for (const f of FEATURES) {
    const n = native(['ks', '--seed-a', '1', '--drift-a', '0.0', '--seed-b', '2', '--drift-b', '10', '--column', f]);
    await expect(page.getByTestId(`hand-p-${f}`)).toHaveAttribute('data-value', n.pvalue_repr, { timeout: 30_000 });
    await expect(page.getByTestId(`hand-d-${f}`)).toHaveAttribute('data-value', String(n.statistic));
  }
  await page.locator('#ex4-why1').fill('days_since_login moved a lot');
  await page.getByRole('button', { name: 'Retrain', exact: true }).click();
  await page.getByRole('button', { name: 'Retrain on the live data and score both on recent data' }).click();
  const dir = mkdtempSync(join(tmpdir(), 'mlops-ex4-'));
  native(['train', '--seed', '1', '--drift', '0.0', '--save', join(dir, 'cur.json')]);
  native(['train', '--seed', '2', '--drift', '10', '--save', join(dir, 'cand.json')]);
  const cur = native(['predict', '--model', join(dir, 'cur.json'), '--seed', '3', '--drift', '10']);
  const cand = native(['predict', '--model', join(dir, 'cand.json'), '--seed', '3', '--drift', '10']);
  await expect(page.getByTestId('hand-current-auc')).toHaveAttribute('data-value', String(cur.auc), { timeout: 60_000 });
  await expect(page.getByTestId('hand-candidate-auc')).toHaveAttribute('data-value', String(cand.auc));
  expect(String(cand.auc)).toBe(BOOK.candidate_auc_recent);
  await page.getByRole('button', { name: 'Keep the current model' }).last().click();
  await expect(page.getByTestId('my-decisions').locator('li')).toHaveCount(2);
  await expect(page.getByTestId('my-decisions')).toContainText('you wrote: “days_since_login moved a lot”');
  // the book's gates retrain and promote: the first call agrees, the second does not, and
  // disagreeing is a judgement, not a failure
  const agree = page.getByTestId('gates-verdict').getByTestId('agree');
  await expect(agree).toHaveText(['Same as you.', /^You decided “keep”: a judgement, not a mistake/]);
  await expect(agree.nth(1)).not.toHaveClass(/fail/);
  await expect(page.getByTestId('gate1-note')).toContainText('days_since_login alone at alpha 0.01');

  await page.getByRole('button', { name: 'Switch the gates on and run a year' }).click();
  const year = native(['loop', '--weeks', '52', '--seed', '2', '--schedule', 'step']);
  await expect(page.getByTestId('year-summary')).toContainText(fmt.auc(year.summary.mean_auc), { timeout: 60_000 });
  await expect(page.getByTestId('year-summary')).toContainText(year.summary.final_label);
  const first = year.weeks.flatMap((w) => w.decisions).find((d) => d.verdict === 'retrain');
  await expect(page.getByTestId('year-decisions')).toContainText(fmt.text(first.reason));
  // a decision whose verdict is its kind is named once ("canary start 10 %"), in the counts and the weeks
  const started = year.weeks.flatMap((w) => w.decisions).find((d) => d.kind === 'canary_start' && d.verdict === 'canary_start');
  expect(started).toBeTruthy();
  await expect(page.getByTestId('year-decisions')).toContainText(`${started.actor} → canary start ${started.weight} % ×`);
  await expect(page.locator('#panel')).not.toContainText('canary start: canary start');
  await expect(page.getByTestId('judgements')).toContainText(`alpha = ${year.params.alpha} with the bonferroni correction`);
  await expect(page.getByTestId('judgements')).toContainText('You: retrain (“days_since_login moved a lot”).');
  await axeLightDark(page);
  await screenshots(page, 'two-loops');
});

test('exercise 4: the reflection is kept across a reload; then the analogy is compared', async ({ page }) => {
  await open(page, '#panel=two-loops');
  const box = page.locator('#ex4-reflection-text');
  await expect(box).toHaveAttribute('data-loaded', '1');
  await page.getByRole('button', { name: 'Compare with our reading' }).click();
  await expect(page.getByTestId('analogy-wait')).toBeVisible();
  await box.fill('The analogy breaks at the judgement of a broken feature.');
  await expect(page.getByTestId('reflection-status')).toHaveText('Saved in this browser.');
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', '1');
  await expect(page.locator('#ex4-reflection-text')).toHaveValue('The analogy breaks at the judgement of a broken feature.');
  await page.getByRole('button', { name: 'Compare with our reading' }).click();
  await expect(page.getByTestId('analogy')).toContainText('Where the analogy holds');
  await expect(page.getByTestId('analogy')).toContainText('Where it breaks');
  await expect(page.getByTestId('analogy-wait')).toHaveCount(0);
});

test('exercise 5: side by side equals the native runs; the challenge checks the matches', async ({ page }) => {
  test.setTimeout(240_000);
  const full = native(['loop', '--seed', '2', '--schedule', 'step']);
  const weak = native(['loop', '--seed', '2', '--schedule', 'step', '--no-monitoring']);
  await open(page, '#panel=weakest-link&off=monitoring&seed=2&schedule=step');
  const sum = page.getByTestId('compare-summary');
  await expect(sum).toContainText(fmt.auc(full.summary.mean_auc), { timeout: 60_000 });
  await expect(sum).toContainText(fmt.auc(weak.summary.mean_auc));
  const liveDiff = full.weeks.filter((w, i) => w.live_version !== weak.weeks[i].live_version).length;
  await expect(page.getByTestId('compare-diff')).toContainText(`The live version differs in ${liveDiff} of 52 weeks`);
  await expect(page.getByTestId('compare-chart').locator('svg').first()).toBeVisible();
  await page.getByText('Week by week, side by side').click();
  const weakLive = await page.getByTestId('compare-weeks').locator('tbody tr td:nth-child(4)').allTextContents();
  expect(weakLive).toEqual(weak.weeks.map((w) => w.live_label));

  // without seeded training, the page rebuilds every version from its lineage (runLoop rederive):
  // the full loop's all match, the unseeded loop's none (as tests/loop_orchestrator.rs shows natively)
  await open(page, '#panel=weakest-link&off=seeded_training&seed=2&schedule=step');
  const audit = page.getByTestId('rederive-summary');
  await expect(audit).toBeVisible({ timeout: 60_000 });
  const [, fullOk, fullN, weakOk, weakN] = (await audit.textContent())
    .match(/Full loop: (\d+) of (\d+) .*Without seeded training: (\d+) of (\d+)/);
  expect(Number(fullN)).toBeGreaterThan(1);
  expect(fullOk).toBe(fullN);
  expect(Number(weakN)).toBeGreaterThan(1);
  expect(weakOk).toBe('0');
  await expect(page.getByTestId('rederive-1.0.0')).toHaveText('no');

  // the matches are not in the link, and the check answers for the set as a whole
  await open(page, '#panel=weakest-link');
  const pick = (id, practice) => page.getByTestId(`match-${id}`).selectOption(practice);
  const right = { stale: 'monitoring', worse: 'promotion_gate', canary: 'rollback', blast: 'canary', unrepro: 'seeded_training', learnt: 'validation' };
  for (const [id, p] of Object.entries(right)) await pick(id, p);
  await pick('worse', 'monitoring'); // one wrong match
  await page.getByTestId('ex5-story').fill('Without monitoring the shifted customers were scored by the first model all year and nobody was told.');
  await page.getByRole('button', { name: 'Check my matches' }).click();
  await expect(page.getByTestId('challenge-verdict')).toHaveText('Not yet.', { timeout: 180_000 });
  await expect(page.getByTestId('challenge-matches')).toHaveText(/^Not every match holds/);
  await expect(page.getByTestId('challenge-result')).not.toContainText('✓');
  await expect(page.getByTestId('challenge-result')).not.toContainText('✗');
  expect(page.url()).not.toContain('seeded_training');
  // all right but no description: still not met
  await pick('worse', 'promotion_gate');
  await page.getByTestId('ex5-story').fill('');
  await page.getByRole('button', { name: 'Check my matches' }).click();
  await expect(page.getByTestId('challenge-story')).toHaveText(/at least 12 words/, { timeout: 180_000 });
  await expect(page.getByTestId('challenge-verdict')).toHaveText('Not yet.');
  await page.getByTestId('ex5-story').fill('Without monitoring the shifted customers were scored by the first model all year and nobody was told.');
  await page.getByRole('button', { name: 'Check my matches' }).click();
  await expect(page.getByTestId('challenge-verdict')).toHaveText('Challenge met.', { timeout: 180_000 });
  await axeLightDark(page);
  await screenshots(page, 'weakest-link');
});
