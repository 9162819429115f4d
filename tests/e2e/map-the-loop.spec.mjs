// Exercise 1: the loop diagram opens what the sandbox uses; the reader's map survives a reload,
// exports as Markdown, and the challenge checks that every stage is mapped.
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
  await page.check('#ex1-trigger-manual');
  await page.fill('#ex1-trigger-now', 'a weekly look at a dashboard');
  await page.getByRole('button', { name: 'Check my map' }).click();
  await expect(page.getByTestId('challenge-verdict')).toHaveText(/Not yet: 1 stage/);
  await page.fill('#ex1-trigger-next', 'KS test at alpha 0.01 on the three inputs, weekly job');
  await page.getByRole('button', { name: 'Check my map' }).click();
  await expect(page.getByTestId('challenge-verdict')).toHaveText(/Challenge met/);
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
