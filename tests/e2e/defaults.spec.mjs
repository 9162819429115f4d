// Every panel's controls start from the core's defaults (src/defaults.rs, `defaults()` in the lite
// module, loaded here in Node): the page keeps no copy of them (www/src/app.js withDefaults stops
// the page when a control has none or two).
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { initSync, defaults } from '../../www/pkg/mlops_loop_lite.js';
import { open } from './helpers.mjs';

initSync({ module: readFileSync(new URL('../../www/pkg/mlops_loop_lite_bg.wasm', import.meta.url)) });
const table = defaults();

test('the core names a default for each panel that hands values to the engine', () => {
  expect(Object.keys(table).sort()).toEqual(['promotion-gate', 'retrain-trigger', 'timeline', 'two-loops', 'walkthrough', 'weakest-link']);
  expect(table['promotion-gate'].rounds).toBe(20);
  expect(table.walkthrough.drift_train).toBe('0.0');
});

for (const [panel, values] of Object.entries(table)) {
  test(`${panel}: the controls show the core's defaults`, async ({ page }) => {
    await open(page, `#panel=${panel}`);
    await expect(page.locator('#messages')).toBeHidden();
    let seen = 0;
    for (const [name, v] of Object.entries(values)) {
      const control = page.locator(`#panel [data-control="${name}"]`).first();
      if (await control.count() === 0) continue; // not drawn by this panel's sections
      seen += 1;
      const input = control.locator('input, select').first();
      if (typeof v === 'boolean') await expect(input).toBeChecked({ checked: v });
      else await expect(input, name).toHaveValue(String(v));
    }
    expect(seen).toBeGreaterThan(0);
    // nothing differs from a default, so the link names only the panel
    expect(new URL(page.url()).hash).toBe(`#panel=${panel}`);
  });
}
