// Exercises 4 and 5, the registry and the timeline. While the core lacks runLoop / Registry they
// must say so plainly (no made-up numbers); exercise 4's reflection survives a reload either way.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { open, axeLightDark, screenshots } from './helpers.mjs';

const glue = readFileSync('www/pkg/mlops_loop.js', 'utf8');
const has = (name) => new RegExp(`export (function|class) ${name}\\b`).test(glue);

for (const [panel, needs] of [['two-loops', 'runLoop'], ['weakest-link', 'runLoop'], ['registry', 'Registry'], ['timeline', 'runLoop']]) {
  test(`${panel}: notice or engine, accessible`, async ({ page }) => {
    await open(page, `#panel=${panel}`);
    if (!has(needs)) {
      await expect(page.getByTestId('coming')).toContainText('Coming with the loop engine');
      await expect(page.getByTestId('coming')).toContainText(needs);
    } else {
      await expect(page.getByTestId('coming')).toHaveCount(0);
    }
    await axeLightDark(page);
    await screenshots(page, panel);
  });
}

test('two-loops: the reflection is kept across a reload', async ({ page }) => {
  await open(page, '#panel=two-loops');
  const box = page.locator('#ex4-reflection-text');
  await expect(box).toHaveAttribute('data-loaded', '1');
  await box.fill('The analogy breaks at the judgement of a broken feature.');
  await expect(page.getByTestId('reflection-status')).toHaveText('Saved in this browser.');
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', '1');
  await expect(page.locator('#ex4-reflection-text')).toHaveValue('The analogy breaks at the judgement of a broken feature.');
});
