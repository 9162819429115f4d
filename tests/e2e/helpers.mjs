// Shared helpers of the panel tests: open a deep link, run axe in light and dark, take the
// screenshots for the README, and ask the native core for the same numbers.
import { expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** Open index.html with a hash and wait for the engine and the panel. */
export async function open(page, hash) {
  await page.goto(`/index.html${hash}`);
  await expect(page.locator('body')).toHaveAttribute('data-ready', '1', { timeout: 30_000 });
}

/** axe-core on the panel in light and dark: no serious or critical violations. */
export async function axeLightDark(page) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    const r = await new AxeBuilder({ page }).analyze();
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${scheme}: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
    expect(bad, bad.join('\n')).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/**
 * Where a screenshot for the docs goes: under test-results/ in a normal run (a test run leaves
 * the committed files alone), into docs/ itself with UPDATE_SCREENSHOTS=1 (`make screenshots`).
 */
export const shotPath = (rel) => (process.env.UPDATE_SCREENSHOTS === '1' ? rel : `test-results/${rel}`);

/** Desktop (1280×900), 375 px (375×800) and dark screenshots under docs/screenshots/ (see `shotPath`). */
export async function screenshots(page, name) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: shotPath(`docs/screenshots/${name}-desktop.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: shotPath(`docs/screenshots/${name}-dark.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 375, height: 800 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, 'no horizontal scrolling at 375 px').toBeLessThanOrEqual(0);
  await page.screenshot({ path: shotPath(`docs/screenshots/${name}-375.png`), fullPage: true });
  await page.setViewportSize(size);
}

/**
 * The native CLI's JSON answer (`mlops-loop <args> --json`): the binary named by `MLOPS_LOOP_CLI`
 * (`make test-e2e` passes the one `cargo test` already built), else the release binary if built,
 * else `cargo run --release`. Any build gives the same bits: the crate uses no fast-math and its
 * own libm, so optimisation level changes speed only. Returns null when the CLI lacks the
 * subcommand (then tests use fixtures).
 */
export function native(args) {
  const bin = process.env.MLOPS_LOOP_CLI || 'target/release/mlops-loop';
  try {
    const out = existsSync(bin)
      ? execFileSync(bin, [...args, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      : execFileSync('cargo', ['run', '--release', '--quiet', '--', ...args, '--json'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    return JSON.parse(out);
  } catch {
    return null;
  }
}

/** The book's printed lines (committed copy of the chapter's output). */
export const BOOK = JSON.parse(readFileSync('tests/fixtures/e2e/book.json', 'utf8'));
