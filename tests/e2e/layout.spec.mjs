// The page's design holds on every panel, on a phone (375×800) and a laptop (1280×900), in light and
// dark: nothing scrolls sideways except a table inside its own scroll container, no element clips
// its text, no visible number has more than six significant digits outside [data-exact] (the page's
// rule is 3–4, format.js), touch targets are at least 44 px on the phone, the loop navigation marks
// the current panel, and axe finds no serious or critical violation. One parametrised spec: each
// panel is opened once per viewport, both colour schemes are checked on the same page.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { fmt, significantDigits } from '../../www/src/format.js';
import { open } from './helpers.mjs';

/** Each panel and what shows that its first results are on the page. */
const PANELS = [
  ['walkthrough', '#panel .panel-body[data-state="done"]'],
  ['map-the-loop', '#panel [data-loaded="1"]'],
  ['retrain-trigger', '[data-testid="ks-d"][data-value]'],
  ['promotion-gate', '[data-testid="current-auc"][data-value]'],
  ['two-loops', '[data-testid="judgements"]'],
  ['weakest-link', '[data-testid="compare-summary"] table'],
  ['registry', '[data-testid="history"] > *'],
  ['timeline', '#panel .panel-body[data-state="done"]'],
];
/** Click a panel's button and wait for what it shows (`shown`, a selector). */
async function press(page, name, shown) {
  await page.getByRole('button', { name, exact: true }).first().click();
  await expect(page.locator(shown).first()).toBeAttached({ timeout: 90_000 });
}
/** A chart drawn into its slot. */
const drawn = (testid) => `[data-testid="${testid}"] .chart-slot > *`;
/**
 * Steps that fill a panel with what its main actions show (results, tables, charts), so that the
 * checks hold for the page a reader has used and not only for its first view.
 */
const PREPARE = {
  'retrain-trigger': async (page) => {
    await press(page, 'Run the no-drift checks', '[data-testid="fa-rate"]:text-matches("/ [0-9]+ =")');
    await press(page, 'Draw the power curve', drawn('power-chart'));
    await press(page, 'Sweep the sample size', drawn('size-chart'));
    await press(page, 'Price the trigger', '[data-testid="cost-verdict"]');
    await press(page, 'Check my trigger', '[data-testid="challenge-verdict"]');
  },
  'promotion-gate': async (page) => {
    await press(page, 'Run the experiment', drawn('experiment-chart'));
    await press(page, 'Bootstrap the difference', '[data-testid="boot-diff"][data-value]');
    await press(page, 'Check my margin', '[data-testid="challenge-verdict"]');
  },
  'map-the-loop': async (page) => {
    await press(page, 'Check my map', '[data-testid="challenge-verdict"]');
  },
  registry: async (page) => {
    for (const [seed, drift, label] of [['1', '0.0', '1.0.0'], ['2', '10', '1.1.0']]) {
      await page.getByLabel('seed', { exact: true }).fill(seed);
      await page.getByLabel('drift (days, as typed)').fill(drift);
      await page.getByLabel('rows', { exact: true }).fill('600');
      await page.getByLabel('label', { exact: true }).fill(label);
      await page.getByRole('button', { name: 'Train & register' }).click();
      await expect(page.getByTestId('registry-status')).toHaveText(/^Registered version \d+\.$/, { timeout: 30_000 });
    }
    await page.locator('article.version[data-version="2"]').getByRole('button', { name: 'Promote' }).click();
    await expect(page.getByTestId('stage-2')).toHaveText('Production');
  },
  'two-loops': async (page) => {
    await page.getByRole('button', { name: 'Check the live inputs for drift' }).click();
    await page.getByRole('button', { name: 'Retrain', exact: true }).click();
    await page.getByRole('button', { name: 'Retrain on the live data and score both on recent data' }).click();
    await expect(page.getByTestId('hand-candidate-auc')).toHaveAttribute('data-value', /\d/, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Keep the current model' }).last().click();
    await page.getByRole('button', { name: 'Switch the gates on and run a year' }).click();
    await expect(page.getByTestId('year-summary')).not.toBeEmpty({ timeout: 60_000 });
  },
};
const VIEWPORTS = [{ width: 375, height: 800 }, { width: 1280, height: 900 }];

test('format.js: one rule for every number', () => {
  expect(fmt.num(0.70870764072036)).toBe('0.7087');
  expect(fmt.num(3000)).toBe('3000');
  expect(fmt.num(12.3456)).toBe('12.35');
  expect(fmt.num(0.05)).toBe('0.05');
  expect(fmt.p(2.478452270821555e-9)).toBe('2.48e-09');
  expect(fmt.p(0.0132456)).toBe('0.0132');
  expect(fmt.auc(0.70870764072036)).toBe('0.7087');
  expect(fmt.diff(-0.004512)).toBe('−0.00451');
  expect(fmt.pct(0.1234)).toBe('12.3 %');
  expect([999, 1000, 100002, 1234567].map(fmt.count)).toEqual(['999', '1,000', '100,002', '1,234,567']);
  expect(fmt.text('smallest p = 2.478452270821555e-9 < 0.01; v1.1.0; fp cf0f14ace53e; auc 0.6795312'))
    .toBe('smallest p = 2.48e-09 < 0.01; v1.1.0; fp cf0f14ace53e; auc 0.6795');
  expect(significantDigits('p = 1.2345e-19, 3000 rows, 0.0120').map((x) => x.sig)).toEqual([5, 1, 3]);
});

/** The page's problems as lists of strings (run in the browser). */
function audit({ phone }) {
  const visible = (el) => el.checkVisibility?.({ checkOpacity: false, checkVisibilityCSS: true }) ?? true;
  const name = (el) => {
    const id = el.id ? `#${el.id}` : '';
    const tid = el.dataset?.testid ? `[data-testid=${el.dataset.testid}]` : '';
    const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
    return `${el.tagName.toLowerCase()}${id}${tid}${cls} "${(el.textContent ?? '').trim().slice(0, 40)}" (${el.scrollWidth} > ${el.clientWidth})`;
  };
  const scrolls = (el) => /auto|scroll/.test(getComputedStyle(el).overflowX);
  const inScroller = (el) => { for (let e = el.parentElement; e; e = e.parentElement) if (scrolls(e)) return true; return false; };
  const out = { overflow: document.documentElement.scrollWidth - window.innerWidth, clipped: [], digits: [], small: [] };
  for (const el of document.querySelectorAll('body *')) {
    if (el instanceof SVGElement || ['INPUT', 'SELECT', 'TEXTAREA', 'OPTION', 'SCRIPT', 'STYLE', 'PROGRESS'].includes(el.tagName)) continue;
    if (!el.clientWidth || !visible(el) || el.closest('.visually-hidden')) continue;
    if (el.scrollWidth > el.clientWidth + 1 && !scrolls(el) && !inScroller(el) && el.textContent.trim()) out.clipped.push(name(el));
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('[data-exact], script, style, title, .visually-hidden') || !visible(el)) continue;
    for (const m of n.textContent.matchAll(/(?<![\w.])\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w])/gi)) {
      const mant = m[0].split(/e/i)[0];
      let d = mant.replace('.', '').replace(/^0+/, '');
      if (!mant.includes('.')) d = d.replace(/0+$/, '');
      if (d.length > 6) out.digits.push(`${m[0]} in ${name(el)}`);
    }
  }
  // no chart text sits on another (an axis label on a tick label, two tick labels)
  out.overlaps = [];
  for (const svg of document.querySelectorAll('figure.chart svg')) {
    if (!visible(svg)) continue;
    const boxes = [...svg.querySelectorAll('text')].filter((t) => t.textContent.trim())
      .map((t) => ({ t: t.textContent.trim(), r: t.getBoundingClientRect() })).filter((b) => b.r.width && b.r.height);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].r;
        const b = boxes[j].r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const hgt = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 1 && hgt > 1) out.overlaps.push(`"${boxes[i].t}" on "${boxes[j].t}" in ${svg.closest('figure').dataset.testid}`);
      }
    }
  }
  if (phone) {
    const targets = document.querySelectorAll('button, select, input:not([type=checkbox]):not([type=radio]):not(.file), summary, #panel-nav a, .site-title a, label.button');
    for (const el of targets) {
      if (!visible(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.width && r.height < 43.5) out.small.push(`${name(el)} is ${r.height.toFixed(1)} px tall`);
    }
    for (const el of document.querySelectorAll('input[type=checkbox], input[type=radio]')) {
      if (!visible(el)) continue;
      const box = el.closest('.control-bool, .radio') ?? el;
      if (box.getBoundingClientRect().height < 43.5) out.small.push(`${name(box)} (a ${el.type}) is ${box.getBoundingClientRect().height.toFixed(1)} px tall`);
    }
  }
  return out;
}

for (const vp of VIEWPORTS) {
  for (const [id, ready] of PANELS) {
    test(`${id} at ${vp.width}×${vp.height}, light and dark`, async ({ page }) => {
      test.setTimeout(120_000);
      await page.setViewportSize(vp);
      await open(page, `#panel=${id}`);
      await expect(page.locator(ready).first()).toBeAttached({ timeout: 60_000 });
      await PREPARE[id]?.(page);
      await page.waitForFunction(() => !document.querySelector('#panel [data-state="running"], #panel [aria-busy="true"]'), null, { timeout: 60_000 });
      // every chart drawn, every data table open (their numbers count too)
      await page.waitForFunction(() => [...document.querySelectorAll('figure.chart:not([hidden]) .chart-slot')].every((s) => s.childElementCount > 0), null, { timeout: 30_000 });
      await page.evaluate(() => document.querySelectorAll('#panel details').forEach((d) => { d.open = true; }));
      await page.waitForTimeout(250);

      // the loop navigation marks this panel; on a phone it is a compact menu
      const nav = page.locator('#panel-nav');
      await expect(nav.locator(vp.width < 600 ? '.navmenu summary' : '.ring')).toBeVisible();
      await expect(nav.locator(vp.width < 600 ? '.navmenu-current' : '.ring-wrap [aria-current="page"]').first()).toBeVisible();
      // no debug furniture: the engine's version is in the footer
      await expect(page.locator('footer #version')).not.toHaveText('…');
      await expect(page.locator('#note-form, .engine-check')).toHaveCount(0);

      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme });
        const a = await page.evaluate(audit, { phone: vp.width < 600 });
        expect(a.overflow, `${scheme}: the page scrolls sideways by ${a.overflow} px`).toBeLessThanOrEqual(0);
        expect(a.clipped, `${scheme}: elements that clip their text`).toEqual([]);
        expect(a.digits, `${scheme}: numbers with more than 6 significant digits outside [data-exact]`).toEqual([]);
        expect(a.small, `${scheme}: touch targets under 44 px`).toEqual([]);
        expect(a.overlaps, `${scheme}: chart texts that overlap`).toEqual([]);
        const r = await new AxeBuilder({ page }).analyze();
        const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${scheme}: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
        expect(bad, bad.join('\n')).toEqual([]);
      }
    });
  }
}

test('a chart follows its container: redrawn to the new width after a resize, one chart in its slot', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  await open(page, '#panel=retrain-trigger');
  const svg = page.locator('[data-testid="ecdf-chart"] .chart-slot > svg');
  await expect(svg).toHaveCount(1, { timeout: 60_000 });
  const wide = Number(await svg.getAttribute('width'));
  expect(wide).toBeGreaterThan(400);
  await page.setViewportSize({ width: 375, height: 800 });
  await expect.poll(async () => Number(await svg.getAttribute('width')), { timeout: 30_000 }).toBeLessThan(375);
  await expect(svg).toHaveCount(1);
  const slot = await page.locator('[data-testid="ecdf-chart"] .chart-slot').evaluate((el) => el.clientWidth);
  expect(Number(await svg.getAttribute('width'))).toBeLessThanOrEqual(Math.max(240, slot));
});
