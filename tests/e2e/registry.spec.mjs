// The registry panel on the core's IndexedDB registry: train & register two versions (lineage,
// metric and hash equal to the native `mlops-loop train`), promote, roll back, reload (kept),
// re-derive, aliases, export → import round trip, a hostile import (inert text or refused, no
// dialog), a rejected import changing nothing, erase with a confirm step, and another tab's change.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { open, axeLightDark, screenshots, native } from './helpers.mjs';

const XSS = '<img src=x onerror=alert(1)>';

async function register(page, { seed, drift, rows, label }) {
  await page.getByLabel('seed', { exact: true }).fill(seed);
  await page.getByLabel('drift (days, as typed)').fill(drift);
  await page.getByLabel('rows', { exact: true }).fill(String(rows));
  await page.getByLabel('label', { exact: true }).fill(label);
  await page.getByRole('button', { name: 'Train & register' }).click();
  await expect(page.getByTestId('registry-status')).toHaveText(/^Registered version \d+\.$/, { timeout: 30_000 });
}

const card = (page, v) => page.locator(`article.version[data-version="${v}"]`);

test('register, promote, roll back, reload, re-derive, alias; numbers equal the native core', async ({ page }) => {
  test.setTimeout(120_000);
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await open(page, '#panel=registry');
  await expect(page.getByTestId('no-versions')).toBeVisible();
  await register(page, { seed: '1', drift: '0.0', rows: 600, label: '1.0.0' });
  await register(page, { seed: '2', drift: '10', rows: 600, label: '1.1.0' });
  await expect(page.locator('article.version')).toHaveCount(2);

  for (const [v, seed, drift] of [[1, '1', '0.0'], [2, '2', '10']]) {
    const n = native(['train', '--seed', seed, '--drift', drift, '--rows', '600']);
    expect(n).not.toBeNull();
    await expect(page.getByTestId(`fingerprint-${v}`)).toHaveText(n.data_fingerprint);
    await expect(page.getByTestId(`hash-${v}`)).toHaveText(n.model_hash);
    await expect(page.getByTestId(`metrics-${v}`)).toHaveAttribute('data-value', new RegExp(`^auc ${n.auc_repr.replace(/\./g, '\\.')} \\(`));
    await expect(page.getByTestId(`drift-${v}`)).toHaveText(`"${drift}"`);
    await expect(page.getByTestId(`seed-${v}`)).toHaveText(seed);
    await expect(page.getByTestId(`rows-${v}`)).toHaveText('600');
    await expect(page.getByTestId(`params-${v}`)).toContainText('learning_rate=0.1');
    await expect(page.getByTestId(`params-${v}`)).toContainText('random_state=42');
  }

  await page.getByLabel('Reason for the next change').fill('first model');
  await card(page, 1).getByRole('button', { name: 'Promote' }).click();
  await expect(page.getByTestId('stage-1')).toHaveText('Production');
  await page.getByLabel('Reason for the next change').fill('drift: retrained');
  await card(page, 2).getByRole('button', { name: 'Promote' }).click();
  await expect(page.getByTestId('stage-2')).toHaveText('Production');
  await expect(page.getByTestId('stage-1')).toHaveText('Archived');
  await page.getByLabel('Reason for the next change').fill('v2 worse on live traffic');
  await page.getByRole('button', { name: 'Roll back production' }).click();
  await expect(page.getByTestId('stage-1')).toHaveText('Production');
  await expect(page.getByTestId('stage-2')).toHaveText('Archived');
  await expect(page.getByTestId('production')).toHaveText('v1 (1.0.0)');
  const last = page.getByTestId('history').locator('tbody tr').last();
  await expect(last).toContainText('rollback: v2 Production → Archived; v1 Archived → Production');
  await expect(last).toContainText('user');
  await expect(last).toContainText('v2 worse on live traffic');

  // alias, then the state survives a reload
  await card(page, 2).getByLabel('alias').fill('challenger');
  await card(page, 2).getByRole('button', { name: 'Set alias' }).click();
  await expect(page.getByTestId('aliases-2')).toHaveText('challenger');
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', '1');
  await expect(page.getByTestId('stage-1')).toHaveText('Production');
  await expect(page.getByTestId('stage-2')).toHaveText('Archived');
  await expect(page.getByTestId('aliases-2')).toHaveText('challenger');
  await expect(page.getByTestId('history').locator('tbody tr')).toHaveCount(6);

  // archive by hand, re-derive: same hash as stored and as the native CLI
  await card(page, 2).getByRole('button', { name: 'Re-derive' }).click();
  await expect(page.getByTestId('reproducible-2')).toHaveText(/^reproducible: yes/, { timeout: 30_000 });
  const n2 = native(['train', '--seed', '2', '--drift', '10', '--rows', '600']);
  await expect(page.getByTestId('rederived-hash-2')).toHaveText(n2.model_hash);
  await expect(page.getByTestId('stored-hash-2')).toHaveText(n2.model_hash);
  await card(page, 2).getByRole('button', { name: 'Remove alias challenger' }).click();
  await expect(page.getByTestId('aliases-2')).toHaveText('—');
  await axeLightDark(page);
  await screenshots(page, 'registry');
  expect(dialogs).toEqual([]);
});

test('export → import round trip; hostile and malformed imports; erase with a confirm step', async ({ page }) => {
  test.setTimeout(120_000);
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await open(page, '#panel=registry');
  await register(page, { seed: '3', drift: '10', rows: 400, label: '2.0.0' });
  await card(page, 1).getByRole('button', { name: 'Promote' }).click();
  await expect(page.getByTestId('stage-1')).toHaveText('Production');

  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
  const exported = readFileSync(await dl.path(), 'utf8');
  const doc = JSON.parse(exported);
  expect(doc.versions).toHaveLength(1);
  const historyBefore = await page.getByTestId('history').locator('tbody').textContent();

  // a malformed file is refused, with the reason as text, and nothing changes
  const input = page.locator('input[type="file"]');
  await input.setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"x":1}') });
  await expect(page.getByTestId('registry-error')).toContainText('Importing bad.json failed:');
  await expect(page.getByTestId('registry-error')).toContainText('x');
  await expect(page.locator('article.version')).toHaveCount(1);
  expect(await page.getByTestId('history').locator('tbody').textContent()).toBe(historyBefore);

  // a hostile file: markup in a label and in a reason is refused or shown as inert text
  const hostile = JSON.parse(exported);
  hostile.versions[0].label = XSS;
  for (const e of hostile.history) {
    e.reason = XSS;
    if (e.change.kind === 'register') e.change.label = XSS;
  }
  await input.setInputFiles({ name: 'hostile.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(hostile)) });
  const said = async () => `${await page.getByTestId('registry-status').textContent()}${await page.getByTestId('registry-error').textContent()}`;
  await expect.poll(said).toMatch(/Imported .* from hostile\.json|Importing hostile\.json failed/);
  await page.waitForTimeout(500);
  expect(dialogs).toEqual([]);
  await expect(page.locator('#panel img')).toHaveCount(0);
  if (await page.getByTestId('registry-error').textContent()) {
    await expect(page.locator('article.version')).toHaveCount(1);
  } else {
    await expect(card(page, 1).locator('.label')).toHaveText(XSS);
    await expect(page.getByTestId('history')).toContainText(XSS);
  }

  // the original export imports back to the same state
  await input.setInputFiles({ name: 'roundtrip.json', mimeType: 'application/json', buffer: Buffer.from(exported) });
  await expect(page.getByTestId('registry-status')).toHaveText(`Imported 1 versions and ${doc.history.length} history events from roundtrip.json.`);
  await expect(card(page, 1).locator('.label')).toHaveText('2.0.0');
  await expect(page.getByTestId('stage-1')).toHaveText('Production');
  const [dl2] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
  expect(JSON.parse(readFileSync(await dl2.path(), 'utf8'))).toEqual(doc);

  // erase: the first click only asks; cancel keeps everything; confirm erases
  await page.getByRole('button', { name: 'Erase my data…' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.locator('article.version')).toHaveCount(1);
  await page.getByRole('button', { name: 'Erase my data…' }).click();
  await page.getByRole('button', { name: 'Yes, erase everything' }).click();
  await expect(page.getByTestId('no-versions')).toBeVisible();
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', '1');
  await expect(page.getByTestId('no-versions')).toBeVisible();
  expect(dialogs).toEqual([]);
});

test('another tab\'s change shows up without a reload', async ({ page, context }) => {
  test.setTimeout(90_000);
  await open(page, '#panel=registry');
  await expect(page.getByTestId('no-versions')).toBeVisible();
  const other = await context.newPage();
  await open(other, '#panel=registry');
  await register(other, { seed: '5', drift: '0', rows: 300, label: 'from the other tab' });
  await expect(card(page, 1).locator('.label')).toHaveText('from the other tab', { timeout: 10_000 });
  await other.close();
});
