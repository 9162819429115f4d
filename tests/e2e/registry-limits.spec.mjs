// The registry panel at its limits: a long history is shown a page at a time (the core reads only
// that page), paged from either end, and a promotion still lands and shows; a registry holding a
// time past the end of a JavaScript Date (what an older build's import could leave) still shows
// its versions and production, and names the record it cannot read; an import with such a time is
// refused, naming it. At the limit itself: an import of exactly 1,000,000 events (the event
// limit, `registry::MAX_EVENTS`) is taken and its history pages; one event more, or one byte over
// the 128 MiB cap, is refused with a message saying so and the registry stays as it was. (The
// timings at the limit are in `make bench`.)
import { test, expect } from '@playwright/test';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from './helpers.mjs';
import { fmt } from '../../www/src/format.js';
import { longExport } from '../../scripts/long-registry.mjs';

/** `registry::MAX_EVENTS` and `registry::MAX_IMPORT_BYTES`. */
const MAX_EVENTS = 1_000_000;
const MAX_IMPORT_BYTES = 128 * 1024 * 1024;

const importText = async (page, name, text) => {
  await page.locator('input[type="file"]').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
};

test('a long history is paged, and a promotion at the end lands and shows', async ({ page }) => {
  test.setTimeout(90_000);
  await open(page, '#panel=registry');
  await importText(page, 'long.json', longExport(3001, { production: false }));
  await expect(page.getByTestId('registry-status')).toHaveText('Imported 1 versions and 3001 history events from long.json.', { timeout: 30_000 });
  const rows = page.getByTestId('history').locator('tbody tr');
  await expect(page.getByTestId('history-range')).toHaveText('events 2,952–3,001 of 3,001');
  await expect(rows).toHaveCount(50);
  await expect(rows.last()).toHaveAttribute('data-seq', '3001');
  await page.getByRole('button', { name: 'Oldest events' }).click();
  await expect(rows.first()).toHaveAttribute('data-seq', '1');
  await expect(rows.first()).toContainText('register v1 (1.0.0)');
  await expect(page.getByRole('button', { name: 'Older events' })).toBeDisabled();
  await page.getByRole('button', { name: 'Newer events' }).click();
  await expect(rows.first()).toHaveAttribute('data-seq', '51');
  await page.locator('article.version[data-version="1"]').getByRole('button', { name: 'Promote' }).click();
  await expect(page.getByTestId('production')).toHaveText('v1 (1.0.0)');
  await expect(rows.first()).toHaveAttribute('data-seq', '51');
  await page.getByRole('button', { name: 'Newest events' }).click();
  await expect(page.getByTestId('history-range')).toHaveText('events 2,953–3,002 of 3,002');
  await expect(rows.last()).toContainText('promote: v1 None → Production');
  await expect(page.getByTestId('registry-error')).toHaveText('');
});

test('a stored time past a JS Date: versions and production still shown, the record named', async ({ page }) => {
  test.setTimeout(90_000);
  await open(page, '#panel=registry');
  const text = longExport(6);
  // An import with such a time is refused, naming the event and the value.
  const bad = JSON.parse(text);
  bad.history[5].time = 8640000000000001;
  await importText(page, 'bad-time.json', JSON.stringify(bad));
  await expect(page.getByTestId('registry-error')).toContainText('history[5]');
  await expect(page.getByTestId('registry-error')).toContainText('8640000000000001');
  await importText(page, 'good.json', text);
  await expect(page.getByTestId('production')).toHaveText('v1 (1.0.0)');
  // What an older build's import could leave: write the bad time into the stored records.
  await page.evaluate(async () => {
    const db = await new Promise((res, rej) => {
      const r = indexedDB.open('mlops-loop-registry');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const tx = db.transaction('records', 'readwrite');
    const st = tx.objectStore('records');
    const get = (k) => new Promise((res) => { const r = st.get(k); r.onsuccess = () => res(JSON.parse(new TextDecoder().decode(r.result))); });
    const put = (k, v) => st.put(new TextEncoder().encode(JSON.stringify(v)), k);
    const run = await get('history/00000001');
    run[5].time = 8640000000000001;
    put('history/00000001', run);
    const state = await get('state');
    state.last_time = 8640000000000001;
    put('state', state);
    await new Promise((res) => { tx.oncomplete = res; });
    db.close();
  });
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', '1');
  await expect(page.getByTestId('production')).toHaveText('v1 (1.0.0)');
  await expect(page.locator('article.version')).toHaveCount(1);
  await expect(page.getByTestId('history-error')).toContainText('history/00000001');
  await expect(page.getByTestId('history-error')).toContainText('8640000000000001');
  await expect(page.locator('#panel')).not.toContainText('Invalid time value');
  // A change is refused naming the record; erasing makes the registry usable again.
  await page.getByRole('button', { name: 'Roll back production' }).click();
  await expect(page.getByTestId('registry-error')).toContainText('history/00000001');
  await page.getByRole('button', { name: 'Erase my data…' }).click();
  await page.getByRole('button', { name: 'Yes, erase everything' }).click();
  await expect(page.getByTestId('no-versions')).toBeVisible();
  await expect(page.getByTestId('history-error')).toHaveText('');
});

test('at the limit: 1,000,000 events import and page; one event or one byte more is refused, nothing lost', async ({ page }) => {
  test.setTimeout(240_000);
  // Files chosen from disk, as a reader does (a 114 MB buffer handed to setInputFiles would be
  // carried into the page by script).
  const dir = mkdtempSync(join(tmpdir(), 'registry-limit-'));
  try {
    await open(page, '#panel=registry');
    const status = page.getByTestId('registry-status');
    const error = page.getByTestId('registry-error');
    const range = page.getByTestId('history-range');
    const rows = page.getByTestId('history').locator('tbody tr');
    const choose = (name) => page.locator('input[type="file"]').setInputFiles(join(dir, name));

    const text = longExport(MAX_EVENTS);
    expect(text.length).toBeLessThanOrEqual(MAX_IMPORT_BYTES);
    writeFileSync(join(dir, 'limit.json'), text);
    await choose('limit.json');
    await expect(status).toHaveText('Imported 1 versions and 1000000 history events from limit.json.', { timeout: 120_000 });
    await expect(error).toHaveText('');
    await expect(page.getByTestId('production')).toHaveText('v1 (1.0.0)');
    await expect(range).toHaveText('events 999,951–1,000,000 of 1,000,000');
    await expect(rows).toHaveCount(50);
    await expect(rows.last()).toHaveAttribute('data-seq', '1000000');
    await expect(rows.last()).toContainText('promote: v1 None → Production');
    await page.getByRole('button', { name: 'Oldest events' }).click();
    await expect(rows.first()).toHaveAttribute('data-seq', '1');
    await expect(rows.first()).toContainText('register v1 (1.0.0)');
    await page.getByRole('button', { name: 'Newer events' }).click();
    await expect(rows.first()).toHaveAttribute('data-seq', '51');

    // One event over the limit: refused by the core, naming the count; nothing changes.
    const over = longExport(MAX_EVENTS + 1, { production: false });
    expect(JSON.parse(over).history).toHaveLength(MAX_EVENTS + 1);
    writeFileSync(join(dir, 'over.json'), over);
    await choose('over.json');
    await expect(error).toHaveText('Importing over.json failed: malformed registry import: 1000001 events, the limit is 1000000', { timeout: 120_000 });
    await page.getByRole('button', { name: 'Newest events' }).click();
    await expect(range).toHaveText('events 999,951–1,000,000 of 1,000,000');
    await expect(page.getByTestId('production')).toHaveText('v1 (1.0.0)');

    // One byte over the cap (a sparse file): refused before it is read; nothing changes.
    const fd = openSync(join(dir, 'big.json'), 'w');
    ftruncateSync(fd, MAX_IMPORT_BYTES + 1);
    closeSync(fd);
    await choose('big.json');
    // the sizes as the page writes counts (format.js), the limit in MiB too
    await expect(error).toHaveText(`Importing big.json failed: ${fmt.count(MAX_IMPORT_BYTES + 1)} bytes, over the limit of ${fmt.count(MAX_IMPORT_BYTES)} bytes (${MAX_IMPORT_BYTES / 2 ** 20} MiB); nothing was read or changed.`);
    await expect(range).toHaveText('events 999,951–1,000,000 of 1,000,000');
    await expect(page.getByTestId('production')).toHaveText('v1 (1.0.0)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
