// The timeline panel: a deep link runs the core's loop in the worker; the week shown (and after
// moving the scrubber with the keyboard) says which version was live, equal to the native
// `mlops-loop loop --json` for the same parameters; charts with their tables; practices from the link.
import { test, expect } from '@playwright/test';
import { fmt } from '../../www/src/format.js';
import { open, axeLightDark, screenshots, native } from './helpers.mjs';

test('deep link, keyboard scrubber; the live version equals the native loop\'s', async ({ page }) => {
  test.setTimeout(120_000);
  const [weeks, seed, schedule] = [30, 2, 'step'];
  const cli = native(['loop', '--weeks', String(weeks), '--seed', String(seed), '--schedule', schedule]);
  expect(cli, 'mlops-loop loop --json').not.toBeNull();
  await open(page, `#panel=timeline&schedule=${schedule}&seed=${seed}&weeks=${weeks}&week=16`);
  const scrub = page.getByTestId('scrubber');
  await expect(page.getByTestId('week-live')).toHaveText(`${cli.weeks[16].live_label} (v${cli.weeks[16].live_version})`, { timeout: 30_000 });
  await expect(page.locator('[data-control="schedule"] select')).toHaveValue(schedule);
  // keyboard: three weeks on, then End, then Home
  await scrub.focus();
  for (let i = 0; i < 3; i++) await scrub.press('ArrowRight');
  await expect(scrub).toHaveValue('19');
  await expect(page.getByTestId('week-live')).toHaveText(`${cli.weeks[19].live_label} (v${cli.weeks[19].live_version})`);
  expect(page.url()).toContain('week=19');
  const auc19 = cli.weeks[19].auc;
  await expect(page.getByTestId('week-auc')).toHaveText(auc19 === null ? 'labels not in yet' : `${fmt.auc(auc19)} (labels arrived in week ${cli.weeks[19].auc_known_week})`);
  if (auc19 !== null) await expect(page.getByTestId('week-auc')).toHaveAttribute('data-value', String(auc19));
  await expect(page.getByTestId('week-decisions')).toContainText(cli.weeks[19].decisions.length ? cli.weeks[19].decisions[0].reason : 'none this week');
  await scrub.press('End');
  await expect(page.getByTestId('week-live')).toHaveText(`${cli.weeks[weeks - 1].live_label} (v${cli.weeks[weeks - 1].live_version})`);
  await scrub.press('Home');
  await expect(page.getByTestId('week-live')).toHaveText(`${cli.weeks[0].live_label} (v${cli.weeks[0].live_version})`);
  // every week: the table's live column equals the native timeline
  const live = await page.getByTestId('timeline-auc').locator('tbody tr td:nth-child(2)').allTextContents();
  expect(live).toEqual(cli.weeks.map((w) => w.live_label));
  await expect(page.getByTestId('timeline-auc').locator('svg').first()).toBeVisible();
  await expect(page.getByTestId('timeline-p').locator('svg').first()).toBeVisible();
  // the thresholds drawn are the core's (each week's drift.levels, Bonferroni by default: alpha / 3),
  // and a p-value the correction called drift says so, as in the native timeline
  const pCells = await page.getByTestId('timeline-p').locator('tbody tr td:nth-child(2)').allTextContents();
  expect(pCells).toEqual(cli.weeks.map((w) => (w.drift
    ? `${fmt.p(w.drift.pvalues[0])} (threshold ${fmt.p(w.drift.levels[0])}${w.drift.rejected[0] ? ', drift' : ''})` : '—')));
  expect(cli.weeks.find((w) => w.drift).drift.levels).toEqual([0.01 / 3, 0.01 / 3, 0.01 / 3]);
  await expect(page.getByTestId('timeline-summary')).toContainText(fmt.auc(cli.summary.mean_auc));
  // a week with a promotion says why the new version is live
  const promoted = cli.weeks.findIndex((w, i) => i > 0 && w.live_version !== cli.weeks[i - 1].live_version);
  if (promoted > 0) {
    for (let i = 0; i < promoted; i++) await scrub.press('ArrowRight');
    // since when and why are the core's (live_since), and say what the version change says
    const since = cli.weeks[promoted].live_since;
    expect(since.week).toBe(promoted);
    await expect(page.getByTestId('week-since')).toHaveText(`week ${promoted}`);
    // the decision was taken the week before (a version serves from the week after its promotion)
    expect(since.decided_in).toBe(promoted - 1);
    await expect(page.getByTestId('week-decided')).toHaveText(new RegExp(`^week ${promoted - 1} `));
    expect(since.because.length).toBeGreaterThan(0);
    await expect(page.getByTestId('week-why').locator('li')).toHaveCount(since.because.length);
    await expect(page.getByTestId('week-why').locator('li').first())
      .toContainText(cli.weeks[promoted - 1].decisions[since.because[0]].reason);
    // a week later the same version is still live since the same week
    if (promoted + 1 < weeks && cli.weeks[promoted + 1].live_version === cli.weeks[promoted].live_version) {
      expect(cli.weeks[promoted + 1].live_since).toEqual(since);
      await scrub.press('ArrowRight');
      await expect(page.getByTestId('week-since')).toHaveText(`week ${promoted}`);
    }
  }
});

test('a week past the end of the run: the last week is shown, the link follows, and the page says so', async ({ page }) => {
  test.setTimeout(120_000);
  await open(page, '#panel=timeline&weeks=8&week=20&cf_weeks=0');
  const note = page.getByTestId('week-note');
  await expect(note).toHaveText('Week 20 is past this run\'s last week (weeks 0 to 7); showing week 7.', { timeout: 30_000 });
  await expect(page.getByTestId('scrubber')).toHaveValue('7');
  await expect.poll(() => page.url()).toContain('week=7');
  // the reader moves on: the note goes
  await page.getByRole('button', { name: 'previous week' }).click();
  await expect(page.getByTestId('scrubber')).toHaveValue('6');
  await expect(note).toBeHidden();
});

test('a practice switched off in the link changes the run as natively', async ({ page }) => {
  test.setTimeout(120_000);
  const cli = native(['loop', '--weeks', '52', '--seed', '2', '--schedule', 'step', '--no-monitoring']);
  await open(page, '#panel=timeline&schedule=step&seed=2&monitoring=0&week=40');
  await expect(page.locator('[data-control="monitoring"] input')).not.toBeChecked();
  await expect(page.getByTestId('week-live')).toHaveText(`${cli.weeks[40].live_label} (v${cli.weeks[40].live_version})`, { timeout: 30_000 });
  await expect(page.getByTestId('week-pvalues')).toHaveText('not monitored');
  await expect(page.getByTestId('timeline-summary')).toContainText(fmt.auc(cli.summary.mean_auc));
  await axeLightDark(page);
  await open(page, '#panel=timeline&schedule=step&seed=2&week=18');
  await expect(page.getByTestId('week-live')).not.toHaveText('…', { timeout: 30_000 });
  await screenshots(page, 'timeline');
});

test('each gate decision shows its counterfactual as the core scored it', async ({ page }) => {
  test.setTimeout(120_000);
  const cli = native(['loop', '--weeks', '30', '--seed', '2', '--schedule', 'step', '--counterfactual-weeks', '4']);
  expect(cli, 'mlops-loop loop --json').not.toBeNull();
  const w = cli.weeks.findIndex((x) => x.decisions.some((d) => d.counterfactual));
  expect(w).toBeGreaterThan(0);
  const c = cli.weeks[w].decisions.find((d) => d.counterfactual).counterfactual;
  await open(page, `#panel=timeline&schedule=step&seed=2&weeks=30&cf_weeks=4&week=${w}`);
  const shown = page.getByTestId('week-decisions').getByTestId('counterfactual').first();
  const span = c.weeks[0] === c.weeks[1] ? `week ${c.weeks[0]}` : `weeks ${c.weeks[0]}–${c.weeks[1]}`;
  // the page words the core's tags: the choices, and the outcome the core judged (other vs chosen)
  const CHOICE = { retrain: 'retrain', keep: 'keep the current model', promote: 'promote', reject: 'reject' };
  const OUTCOME = { better: 'better', worse: 'worse', same: 'the same' };
  expect(c.outcome).toBe(c.other_auc > c.chosen_auc ? 'better' : c.other_auc < c.chosen_auc ? 'worse' : 'same');
  await expect(shown).toHaveText(`Had the gate decided “${CHOICE[c.other]}” instead of “${CHOICE[c.chosen]}”, the AUC over ${span} `
    + `would have been ${c.other_auc.toFixed(4)} instead of ${c.chosen_auc.toFixed(4)} (${OUTCOME[c.outcome]}).`, { timeout: 30_000 });
  // with no counterfactual weeks the core scores none, and the page shows none
  await open(page, `#panel=timeline&schedule=step&seed=2&weeks=30&cf_weeks=0&week=${w}`);
  await expect(page.getByTestId('week-live')).not.toHaveText('…', { timeout: 30_000 });
  await expect(page.getByTestId('counterfactual')).toHaveCount(0);
});

test('the year is drawn before its counterfactuals, saying they are coming; nothing else on screen changes', async ({ page }) => {
  test.setTimeout(120_000);
  // What the panel shows at each state it passes through: the week table, the p-value table, the
  // summary, the week's facts, the counterfactuals shown and the note about them.
  await page.addInitScript(() => {
    window.__states = [];
    const snap = () => {
      const body = document.querySelector('.panel-body');
      const state = body?.dataset.state;
      if (!state || window.__states.at(-1)?.state === state) return;
      const text = (sel) => [...body.querySelectorAll(sel)].map((e) => e.textContent).join('\n');
      const note = body.querySelector('[data-testid="counterfactuals-pending"]');
      window.__states.push({
        state, weeks: text('[data-testid="timeline-auc"] table'), p: text('[data-testid="timeline-p"] table'),
        summary: text('[data-testid="timeline-summary"]'), facts: text('[data-testid="week-detail"] dl'),
        counterfactuals: body.querySelectorAll('[data-testid="counterfactual"]').length,
        charts: body.querySelectorAll('[data-testid^="timeline-"] svg').length,
        note: note && !note.hidden ? note.textContent : null,
      });
    };
    new MutationObserver(snap).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
    // the panel's state when the page registers its service worker (main.js)
    const register = ServiceWorkerContainer.prototype.register;
    ServiceWorkerContainer.prototype.register = function (...args) {
      window.__swAt = window.__states.at(-1)?.state ?? 'no panel yet';
      return register.apply(this, args);
    };
  });
  const cli = native(['loop', '--seed', '2', '--schedule', 'step', '--counterfactual-weeks', '4']);
  const w = cli.weeks.findIndex((x) => x.decisions.some((d) => d.counterfactual));
  await open(page, `#panel=timeline&schedule=step&seed=2&cf_weeks=4&week=${w}`);
  await expect(page.locator('.panel-body')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  const states = await page.evaluate(() => window.__states);
  expect(states.map((s) => s.state)).toEqual(['running', 'partial', 'done']);
  const [, partial, done] = states;
  // the year drawn first: both charts, no counterfactual yet, and the note says they are coming
  expect(partial.charts).toBeGreaterThanOrEqual(2);
  expect(partial.counterfactuals).toBe(0);
  expect(partial.note).toContain('still being computed');
  // then only the counterfactuals arrive: every table and fact as before, the note gone
  expect(done.counterfactuals).toBeGreaterThan(0);
  expect(done.note).toBeNull();
  for (const k of ['weeks', 'p', 'summary', 'facts']) expect(done[k], k).toBe(partial[k]);
  expect(done.weeks.length).toBeGreaterThan(1000);
  // the offline cache is installed only once the engine has answered both runs, not while it computes
  await expect.poll(() => page.evaluate(() => window.__swAt ?? null), { timeout: 15_000 }).not.toBeNull();
  expect(['partial', 'done']).toContain(await page.evaluate(() => window.__swAt));
  // the same parameters again: the full run's fits are in the worker, so no preview is drawn
  await page.evaluate(() => { window.__states = []; });
  await page.getByRole('button', { name: 'Run the year again' }).click();
  await expect.poll(() => page.evaluate(() => window.__states.map((s) => s.state))).toEqual(['running', 'done']);
});
