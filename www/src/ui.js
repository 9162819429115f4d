// Small DOM helpers. Every piece of dynamic text goes in through textContent (text nodes), never
// innerHTML: values from the URL, the engine or storage can never become markup.
import { fmt } from './format.js';

/**
 * Create an element. `attrs` keys: `class`, `text`, `on<event>` handlers, `dataset`, booleans, others as attributes.
 * Children: nodes, strings (as text), arrays, null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = tag.includes(':') ? document.createElementNS('http://www.w3.org/2000/svg', tag.split(':')[1])
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

let uid = 0;
/** A page-unique id with a readable prefix. */
export const newId = (prefix) => `${prefix}-${++uid}`;

/** Python's `f"{x:.3f}"` (JS toFixed rounds the exact binary value as Python does). */
export const f3 = (x) => (x === null || x === undefined ? '—' : Number(x).toFixed(3));

// The page's number rule lives in format.js; these names stay for the panels that import them here.
export { pyExp } from './format.js';
/** A readable p-value (format.js: `fmt.p`). */
export const fmtP = fmt.p;
/** A share as a percentage (format.js: `fmt.pct`). */
export const pct = fmt.pct;

/** A progress bar with a text label (role=progressbar semantics come with <progress>). */
export function progress(label) {
  const bar = h('progress', { max: 1, value: 0, 'aria-label': label });
  const txt = h('span', { class: 'progress-text', 'aria-hidden': 'true' });
  const wrap = h('div', { class: 'progress', hidden: true }, bar, txt);
  return {
    el: wrap,
    start() { wrap.hidden = false; bar.removeAttribute('value'); txt.textContent = 'working…'; },
    set({ done, total }) {
      wrap.hidden = false;
      bar.max = total;
      bar.value = done;
      txt.textContent = `${done} / ${total}`;
    },
    done() { wrap.hidden = true; },
  };
}

/**
 * A table of rows (a chart's text alternative, or a result), inside a <details> when `summary` is given.
 * @param {string[]} columns header labels
 * @param {Array<Array<string|number>>} rows cell values (shown as text)
 */
export function table(columns, rows, { caption, summary } = {}) {
  const t = h('table', { class: 'data' },
    caption ? h('caption', { text: caption }) : null,
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((v) => h('td', { text: v }))))));
  // the scroll container is focusable, so a keyboard can scroll a wide table on a phone
  const scroller = () => h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': caption ?? summary ?? 'table' }, t);
  if (!summary) return scroller();
  return h('details', { class: 'table-alt' }, h('summary', { text: summary }), scroller());
}

/** A labelled result line whose value lives in an <output> (announced via the panel's live region). */
export function result(label, testid) {
  const out = h('output', { 'data-testid': testid, text: '…' });
  const el = h('p', { class: 'result' }, h('span', { class: 'result-label', text: `${label}: ` }), out);
  return { el, out, set(v) { out.textContent = String(v); delete out.dataset.value; out.removeAttribute('title'); }, setNum(x, show = fmt.num) { showNum(out, x, show); } };
}

/**
 * Show the number `x` in `el` by the page's rule (`show`, a format.js function), keeping the full
 * value in `data-value` and as a tooltip (tests compare `data-value` with the book and the CLI).
 */
export function showNum(el, x, show = fmt.num) {
  el.textContent = show(x);
  el.dataset.value = String(x);
  el.title = String(x);
  return el;
}

/** Whether the reader asked for less motion. */
export const reducedMotion = () => window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;

/** Debounce: run `fn` once calls stop for `ms`. */
export function debounce(fn, ms = 200) {
  let t = null;
  return (...a) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...a), ms);
  };
}

/** Offer `text` as a file download (a Blob URL; no server involved). */
export function download(name, text, type = 'text/markdown') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * Long runs started from a button: `run(button, prog, fn)` disables the button, drives the
 * progress bar, and passes `fn` a progress callback and an AbortSignal; `jobs` holds the running
 * jobs' controllers so a panel can abort them all when it unmounts.
 */
export function jobRunner() {
  const jobs = new Set();
  const run = async (button, prog, fn) => {
    const ctl = new AbortController();
    jobs.add(ctl);
    button.disabled = true;
    prog.start();
    try {
      return await fn((pr) => prog.set(pr), ctl.signal);
    } finally {
      jobs.delete(ctl);
      button.disabled = false;
      prog.done();
    }
  };
  return { jobs, run };
}
