// A browser that refuses IndexedDB (private mode, storage disabled): the registry panel says so,
// keeps working in memory, and export still works — nothing fails silently.
import { test, expect } from '@playwright/test';

test('without IndexedDB the registry works in memory and says so', async ({ page }) => {
  test.setTimeout(90_000);
  // Hide IndexedDB from the page and its workers before any script runs.
  await page.addInitScript(() => { Object.defineProperty(globalThis, 'indexedDB', { value: undefined, configurable: true }); });
  await page.route('**/assets/worker-*.js', async (route) => {
    const res = await route.fetch();
    const body = await res.text();
    await route.fulfill({ response: res, body: `Object.defineProperty(globalThis,'indexedDB',{value:undefined,configurable:true});\n${body}` });
  });
  await page.goto('/index.html#panel=registry');
  await expect(page.locator('body')).toHaveAttribute('data-ready', '1');
  const note = page.getByTestId('registry-storage');
  await expect(note).toBeVisible();
  await expect(note).toContainText('refused to store the registry');
  await expect(note).toContainText('export it');
  await page.fill('input[name=rows]', '400');
  await page.click('button:has-text("Train & register")');
  await expect(page.getByTestId('registry-status')).toContainText('Registered version 1');
});
