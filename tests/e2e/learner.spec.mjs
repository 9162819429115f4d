// "Write your own" in exercises 2 and 3 (docs/learner-code.md): a learner types a trigger and a
// gate in the editor, runs them and sees them graded beside the built-in gates; a traceback marks
// the right line; an endless loop is stopped by the sandbox and a slow run by Stop, and the page
// (its engine, its results) works on; the code travels in the link.
import { test, expect } from '@playwright/test';
import { open, axeLightDark, shotPath } from './helpers.mjs';

/** Open the "Write your own" section `kind` and wait for the editor. */
async function openEditor(page, kind) {
  const section = page.getByTestId(`learner-${kind}`);
  await section.locator('summary').click();
  await expect(section).toHaveAttribute('data-ready', '1', { timeout: 30_000 });
  return section;
}

/**
 * Replace the editor's text by typing `lines` (CodeMirror indents after a `:` by itself, so the
 * lines are typed without their leading indentation; `dedent` lines are typed after a Shift-Tab).
 */
async function typeCode(page, section, lines) {
  const input = section.getByTestId('code-input');
  await input.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  for (const [i, line] of lines.entries()) {
    if (i) await page.keyboard.press('Enter');
    await page.keyboard.type(line);
  }
}

const codeLine = (section, n) => section.locator('.cm-line').nth(n - 1);

test('exercise 2: a typed trigger is graded beside the built-in one, runs a year, and travels in the link', async ({ page }) => {
  test.setTimeout(240_000);
  await open(page, '#panel=retrain-trigger&rows=1000');
  const section = await openEditor(page, 'trigger');
  await expect(section.getByTestId('learner-status')).toContainText('the starter');
  await expect(section.locator('.cm-content')).toContainText('def should_retrain(reference, live):');
  await typeCode(page, section, [
    'def should_retrain(reference, live):',
    "r = ks_2samp(reference['days_since_login'], live['days_since_login'])",
    "return r.pvalue < 0.001, f'days only, p = {r.pvalue:.2g}'",
  ]);
  // the editor indented the body by itself
  await expect(codeLine(section, 2)).toHaveText(/^ {4}r = ks_2samp/);
  await section.getByTestId('learner-run').click();
  await expect(section.getByTestId('learner-verdict')).toBeVisible({ timeout: 180_000 });
  const result = section.getByTestId('learner-result');
  const rows = result.locator('table').first().locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1).locator('td').first()).toHaveText('your trigger');
  await expect(section.getByTestId('learner-challenge-fa')).toContainText('of 2000 no-drift checks');
  await expect(section.getByTestId('learner-reason')).toContainText('days only, p = ');
  await expect(section.getByTestId('learner-trigger-chart').locator('svg').first()).toBeVisible();
  // the code is in the link (and not the starter's)
  await expect.poll(() => page.url()).toContain('trigger_py=');

  // the built-in year was warmed in the background when the editor opened (warmBuiltinYear)
  await expect(section).toHaveAttribute('data-warm', 'ready', { timeout: 120_000 });
  await section.getByTestId('learner-year-run').click();
  const year = section.getByTestId('learner-year');
  await expect(year.locator('table').first()).toBeVisible({ timeout: 120_000 });
  await expect(year.locator('table').first().locator('thead th').nth(2)).toHaveText('your trigger');
  await expect(section.getByTestId('learner-year-chart').locator('svg').first()).toBeVisible();
  await expect(year).toContainText('trigger.py says');
  await axeLightDark(page);
  await section.screenshot({ path: shotPath('docs/screenshots/write-your-own-desktop.png') });

  // a teacher's link opens with the code in it, in a fresh browser (nothing saved there)
  const link = page.url();
  const other = await page.context().browser().newContext();
  const p2 = await other.newPage();
  await p2.goto(link);
  const s2 = p2.getByTestId('learner-trigger');
  await expect(s2).toHaveAttribute('data-ready', '1', { timeout: 30_000 });
  await expect(s2.getByTestId('learner-status')).toContainText('the code from the link');
  await expect(s2.locator('.cm-line').nth(2)).toContainText('days only');
  await other.close();
});

test('exercise 3: a typed gate is graded on the rounds beside the built-in one', async ({ page }) => {
  test.setTimeout(240_000);
  await open(page, '#panel=promotion-gate');
  const section = await openEditor(page, 'gate');
  await typeCode(page, section, [
    'def should_promote(y_true, current_scores, candidate_scores):',
    'gain = roc_auc_score(y_true, candidate_scores) - roc_auc_score(y_true, current_scores)',
    "return gain >= 0.01, f'gain {gain:.4f}'",
  ]);
  await section.getByTestId('learner-run').click();
  await expect(section.getByTestId('learner-verdict')).toBeVisible({ timeout: 200_000 });
  const rows = section.getByTestId('learner-result').locator('table').first().locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1).locator('td').nth(1)).toHaveText(/^\d+ \/ 40 \(.+ % – .+ %\)$/);
  await expect(section.getByTestId('learner-challenge-rate')).toContainText('no-better candidates promoted');
  await expect(section.getByTestId('learner-reason')).toContainText('gain ');
  await expect(section.getByTestId('learner-gate-chart').locator('svg').first()).toBeVisible();
  await expect.poll(() => page.url()).toContain('gate_py=');
});

test('a traceback marks the offending line in the editor', async ({ page }) => {
  await open(page, '#panel=retrain-trigger&rows=300');
  const section = await openEditor(page, 'trigger');
  await typeCode(page, section, [
    'def should_retrain(reference, live):',
    'x = 1',
    "return live['no_such_column']",
  ]);
  await section.getByTestId('learner-run').click();
  const err = section.getByTestId('learner-error');
  await expect(err).toBeVisible({ timeout: 60_000 });
  await expect(err).toHaveAttribute('data-kind', 'exception');
  await expect(err).toHaveAttribute('data-line', '3');
  await expect(section.getByTestId('traceback')).toContainText('KeyError');
  await expect(section.getByTestId('traceback')).toContainText('line 3');
  const marked = section.locator('.cm-line.cm-error-line');
  await expect(marked).toHaveCount(1);
  await expect(marked).toContainText("live['no_such_column']");
  await expect(codeLine(section, 3)).toHaveClass(/cm-error-line/);
  // a syntax error marks its line too
  await typeCode(page, section, ['def should_retrain(reference, live):', 'return (True']);
  await section.getByTestId('learner-run').click();
  await expect(err).toHaveAttribute('data-kind', 'syntax', { timeout: 30_000 });
  await expect(section.locator('.cm-line.cm-error-line')).toHaveCount(1);
});

test('an endless loop is stopped by the sandbox, a slow run by Stop, and the page works on', async ({ page }) => {
  test.setTimeout(120_000);
  await open(page, '#panel=retrain-trigger&rows=300');
  await expect(page.getByTestId('ks-d')).not.toHaveText('…');
  const section = await openEditor(page, 'trigger');
  await typeCode(page, section, ['def should_retrain(reference, live):', 'while True:', 'pass']);
  await section.getByTestId('learner-run').click();
  const err = section.getByTestId('learner-error');
  await expect(err).toHaveAttribute('data-kind', 'limit', { timeout: 30_000 });
  await expect(err).toContainText('TimeoutError');
  await expect(err).toContainText('1000 ms');

  // a program slow enough to run for minutes: Stop ends it at once
  await typeCode(page, section, ['def should_retrain(reference, live):', 'n = 0', 'for i in range(300000): n += i',
    'return False']);
  await section.getByTestId('learner-run').click();
  await expect(section.getByTestId('learner-stop')).toBeEnabled();
  await page.waitForTimeout(1500);
  await section.getByTestId('learner-stop').click();
  await expect(section.getByTestId('learner-status')).toContainText('Stopped', { timeout: 10_000 });
  await expect(section.getByTestId('learner-run')).toBeEnabled();

  // the page's engine was not touched: a control still recomputes the KS check
  const before = await page.getByTestId('ks-d').getAttribute('data-value');
  await page.locator('[data-control="drift"] input').fill('30');
  await page.locator('[data-control="drift"] input').press('Enter');
  await expect.poll(() => page.getByTestId('ks-d').getAttribute('data-value')).not.toBe(before);
  // and the sandbox starts afresh: the starter runs and is graded
  await section.getByTestId('learner-reset').click();
  await section.getByTestId('learner-run').click();
  await expect(section.getByTestId('learner-verdict')).toBeVisible({ timeout: 90_000 });
});

test('one step that runs on past the time limit (a huge power) is stopped by the page, which says why', async ({ page }) => {
  test.setTimeout(120_000);
  await open(page, '#panel=retrain-trigger&rows=300');
  const section = await openEditor(page, 'trigger');
  // one instruction within the memory limit: the interpreter's time limit is checked only between
  // instructions, and this one (a 120-million-bit exponent) runs for more than 100 s natively
  await typeCode(page, section, ['def should_retrain(reference, live):', 'x = pow(3, (1 << (12 * 10**7)) - 1, 10**1000 + 7)', 'return False']);
  await section.getByTestId('learner-run').click();
  const stalled = section.getByTestId('sandbox-stalled');
  await expect(stalled).toBeVisible({ timeout: 60_000 });
  // the core's allowance (python::LIMITS.stall_ms), said in seconds
  await expect(stalled).toContainText('more than 5 s');
  await expect(stalled).toContainText('huge integer');
  await expect(section.getByTestId('learner-status')).toContainText('Stopped');
  await expect(section.getByTestId('learner-run')).toBeEnabled();
  // the sandbox starts afresh: the starter runs and is graded
  await section.getByTestId('learner-reset').click();
  await section.getByTestId('learner-run').click();
  await expect(section.getByTestId('learner-verdict')).toBeVisible({ timeout: 90_000 });
  await expect(stalled).toHaveCount(0);
});

test('a corrupt code parameter in the link is refused with a reason, and the editor opens', async ({ page }) => {
  await open(page, '#panel=retrain-trigger&trigger_py=%25%25not-base64');
  await expect(page.locator('#messages')).toContainText('Ignored trigger_py from the link');
  await open(page, `#panel=promotion-gate&gate_py=${'A'.repeat(12_001)}`);
  await expect(page.locator('#messages')).toContainText('the limit is 12,000');
  const section = await openEditor(page, 'gate');
  await expect(section.getByTestId('learner-status')).toContainText('starter');
});

test('a grading split over two sandbox workers shows exactly what one worker shows', async ({ browser, baseURL }) => {
  test.setTimeout(300_000);
  /** Grade the starter trigger in a fresh browser whose device reports `cores` cores. */
  const grade = async (cores) => {
    const context = await browser.newContext({ baseURL });
    await context.addInitScript((n) => {
      Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => n, configurable: true });
    }, cores);
    const page = await context.newPage();
    await open(page, '#panel=retrain-trigger&rows=1000');
    const section = await openEditor(page, 'trigger');
    // with two cores, the second sandbox worker is started when the editor opens, and the
    // grading waits for it to be up, so that it splits
    const pyWorkers = async () => (await Promise.all(page.workers().map((w) => w.evaluate(() => self.name))))
      .filter((n) => n.startsWith('mlops-loop-python')).length;
    if (cores > 1) {
      await expect(section).toHaveAttribute('data-sandboxes', '2', { timeout: 60_000 });
      expect(await pyWorkers()).toBe(2);
    } else {
      expect(await pyWorkers()).toBe(1);
      expect(await section.getAttribute('data-sandboxes')).toBeNull();
    }
    await section.getByTestId('learner-run').click();
    await expect(section.getByTestId('learner-verdict')).toBeVisible({ timeout: 200_000 });
    const text = await section.getByTestId('learner-result').innerText();
    await context.close();
    return text;
  };
  const one = await grade(1);
  const two = await grade(2);
  expect(one).toContain('of 2000 no-drift checks');
  expect(two).toBe(one);
});
