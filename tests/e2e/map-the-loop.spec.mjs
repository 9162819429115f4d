// Exercise 1: the loop diagram opens what the sandbox uses; the reader's map survives a reload,
// exports as Markdown; the challenge checks that every stage is mapped with what stands for it and
// a plan, and that the map holds together as a loop; once met, the sandbox's own map appears.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { open, axeLightDark, screenshots } from './helpers.mjs';

test('diagram, saved answers across reload, Markdown export, challenge', async ({ page }) => {
  await open(page, '#panel=map-the-loop');
  const panel = page.locator('#panel .panel-body');
  await expect(panel).toHaveAttribute('data-loaded', '1');
  // the diagram: a stage opens its sandbox description, keyboard-operable
  await page.locator('button[data-stage="monitoring"]').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#stage-detail')).toContainText('Kolmogorov');
  await expect(page.locator('button[data-stage="monitoring"]')).toHaveAttribute('aria-expanded', 'true');

  // the challenge fails on an empty map
  await page.getByRole('button', { name: 'Check my map' }).click();
  await expect(page.getByTestId('challenge-verdict')).toHaveText(/Not yet: 5 stage/);

  await page.fill('#ex1-model', 'churn <b>model</b>');
  for (const s of ['pipeline', 'registry', 'deployment', 'monitoring']) await page.check(`#ex1-${s}-automated`);
  await page.check('#ex1-trigger-automated');
  await page.getByRole('button', { name: 'Check my map' }).click();
  // an automated stage must say what stands for it
  await expect(page.getByTestId('challenge-verdict')).toHaveText(/Not yet: 5 stage/);
  for (const s of ['pipeline', 'registry', 'deployment']) await page.fill(`#ex1-${s}-now`, `our ${s} job in CI`);
  await page.fill('#ex1-trigger-now', 'a cron job');
  // the map must hold together: an automated trigger with no monitoring signal cannot fire
  await page.check('#ex1-monitoring-missing');
  await page.getByRole('button', { name: 'Check my map' }).click();
  await expect(page.getByTestId('challenge-result')).toContainText('nothing can fire it');
  await expect(page.getByTestId('challenge-result')).toContainText('Monitoring signal: a plan of at least a few words');
  await page.check('#ex1-monitoring-automated');
  await page.fill('#ex1-monitoring-now', 'a nightly drift report');
  await page.check('#ex1-trigger-manual');
  await page.fill('#ex1-trigger-now', 'a weekly look at a dashboard');
  await page.fill('#ex1-trigger-next', 'retrain');
  await page.getByRole('button', { name: 'Check my map' }).click();
  await expect(page.getByTestId('challenge-verdict')).toHaveText(/Not yet: 1 stage/);
  await expect(page.getByTestId('worked-map')).toHaveCount(0);
  await page.fill('#ex1-trigger-next', 'KS test at alpha 0.01 on the three inputs, weekly job');
  await page.getByRole('button', { name: 'Check my map' }).click();
  await expect(page.getByTestId('challenge-verdict')).toHaveText(/Challenge met/);
  // the sandbox's own map, beside the reader's statuses
  const worked = page.getByTestId('worked-map').locator('tbody tr');
  await expect(worked).toHaveCount(5);
  await expect(worked.nth(4).locator('td').nth(0)).toHaveText('manual');
  await expect(worked.nth(4).locator('td').nth(1)).toHaveText('automated');
  await expect(page.locator('.try')).toContainText('failed silently');
  await expect(page.getByTestId('saved-status')).toHaveText(/Saved in this browser/);

  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', '1');
  await expect(panel).toHaveAttribute('data-loaded', '1');
  await expect(page.locator('#ex1-model')).toHaveValue('churn <b>model</b>');
  await expect(page.locator('#ex1-trigger-manual')).toBeChecked();
  await expect(page.locator('#ex1-trigger-next')).toHaveValue(/KS test/);

  const [download] = await Promise.all([page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export as Markdown' }).click()]);
  const md = readFileSync(await download.path(), 'utf8');
  expect(md).toContain('# The MLOps loop of churn <b>model</b>');
  expect(md).toContain('## Retraining trigger\n\n- Status: manual');

  await axeLightDark(page);
  await screenshots(page, 'map-the-loop');
});
