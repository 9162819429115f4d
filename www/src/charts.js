// Charts from Observable Plot, each with a data-table alternative in a <details>. Plot is loaded on
// first use (it is the largest script on the page) and every chart redraws to its container's width.
import { h, table } from './ui.js';

let plotModule = null;
/** Observable Plot, imported once on demand. */
export const loadPlot = () => (plotModule ??= import('@observablehq/plot').then((Plot) => Object.freeze({
  ...Plot,
  // The page's charts use 12 px text (baseStyle), larger than Plot's margins are made for: by
  // default the top margin holds the y label ("↑ AUC") on its own line above the top tick, and the
  // bottom one the x label ("week →") below the tick labels. A chart may set its own.
  plot: (options) => Plot.plot({ marginTop: 26, marginBottom: 40, ...options }),
})));

/**
 * Resolve in a new task (a message to ourselves: no 4 ms timer clamp). Each chart draws in its
 * own task, and not in the task that evaluated Plot's module, so that the main thread is never
 * held for more than one chart's worth of work (the first chart of a page used to make a 63–72 ms
 * task of Plot's evaluation plus two charts).
 */
const nextTask = () => new Promise((resolve) => {
  const ch = new MessageChannel();
  ch.port1.onmessage = () => resolve();
  ch.port2.postMessage(0);
});

/**
 * A figure holding one Plot chart and its table. `draw(Plot, width)` returns the SVG/figure node,
 * or an array of functions returning the parts of a stacked chart (each part is drawn in its own task).
 * @returns {{el: HTMLElement, update: (spec) => Promise<void>}}
 */
export function chartFigure(caption, testid) {
  const slot = h('div', { class: 'chart-slot' });
  const cap = h('figcaption', { text: caption });
  const alt = h('div', { class: 'chart-table' });
  const el = h('figure', { class: 'chart', 'data-testid': testid, hidden: true }, cap, slot, alt);
  let last = null;
  let drawnWidth = 0;
  /**
   * The slot's width, read without laying out a subtree the browser skips (content-visibility:
   * auto, off screen: reading a size inside it would lay it all out, text and charts, at once):
   * then the content width of the box that skips it, which the slot fills.
   */
  const slotWidth = () => {
    let box = slot;
    while (box.parentElement && box.checkVisibility && !box.checkVisibility({ contentVisibilityAuto: true })) box = box.parentElement;
    if (box === slot) return slot.clientWidth;
    const cs = getComputedStyle(box);
    return box.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  };
  let queued = null;
  // Requests made before a draw starts share it (it draws the latest spec): a chart whose data
  // arrive as it becomes visible is drawn once, not once for the data and once for the resize.
  const render = () => (queued ??= (async () => {
    const Plot = await loadPlot();
    await nextTask();
    queued = null;
    if (!last || !slot.isConnected) return;
    const width = Math.max(240, Math.min(720, slotWidth() || el.parentElement?.clientWidth || 640));
    drawnWidth = width;
    const spec = last;
    let node = spec.draw(Plot, width);
    if (Array.isArray(node)) {
      // a chart in parts (functions), stacked: each part drawn in its own task
      const parts = [];
      for (const part of node) {
        if (parts.length) await nextTask();
        if (last !== spec) return;
        parts.push(part());
      }
      node = h('div', { class: 'chart-stack' }, parts);
    }
    // The chart is one image to assistive tech (its numbers are in the table below it); Plot's
    // per-mark aria-labels on <g> elements would be prohibited attributes on generic elements.
    node.querySelectorAll?.('[aria-label]').forEach((x) => x.removeAttribute('aria-label'));
    node.setAttribute?.('role', 'img');
    node.setAttribute?.('aria-label', spec.label ?? caption);
    slot.replaceChildren(node);
  })());
  // Redraw when the width changes by more than a little; never for a chart that is not on the page
  // (a panel being left, a hidden figure) or not drawn yet.
  // The width comes with the observation: reading it from the slot here could lay out a skipped subtree.
  const ro = new ResizeObserver((entries) => {
    const w = entries.at(-1).contentRect.width;
    if (!last || !w || !slot.isConnected) return;
    if (Math.abs(Math.max(240, Math.min(720, w)) - drawnWidth) > 24) render();
  });
  ro.observe(slot);
  return {
    el,
    /** spec: {draw, label, columns, rows, summary} */
    async update(spec) {
      // the table is rebuilt only when its data changed (a redraw for a moved marker keeps it, open or not)
      const same = last && last.rows === spec.rows && last.columns === spec.columns;
      last = spec;
      el.hidden = false;
      if (spec.caption) cap.textContent = spec.caption;
      if (!same) alt.replaceChildren(table(spec.columns, spec.rows, { summary: spec.summary ?? 'The data as a table' }));
      await render();
    },
  };
}

/** The common Plot options: theme colours from CSS variables, readable font size. */
export const baseStyle = { background: 'transparent', color: 'var(--fg)', fontSize: '12px', overflow: 'visible' };

/** Empirical CDF steps of a sorted sample, thinned to at most `max` points (exact at each kept point). */
export function ecdfPoints(sorted, max = 600) {
  const n = sorted.length;
  const steps = [];
  for (let i = 0; i < n; i++) {
    if (i + 1 < n && sorted[i + 1] === sorted[i]) continue; // keep the last of equal values
    steps.push({ x: sorted[i], y: (i + 1) / n });
  }
  if (steps.length <= max) return steps;
  const stride = Math.ceil(steps.length / max);
  return steps.filter((_, k) => k % stride === 0 || k === steps.length - 1);
}

/** The ECDF of a sorted sample at x: the fraction of values <= x (binary search). */
export function ecdfAt(sorted, x) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1; else hi = mid;
  }
  return sorted.length ? lo / sorted.length : 0;
}
