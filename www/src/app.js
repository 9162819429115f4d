// The panel host shared by the page (index.html), the iframe form (embed.html) and the custom element
// (embed.js): it builds a panel's controls from its record, keeps the values, and hands the panel a
// small context. Panels never read the URL or the DOM outside their own root.
import { h, newId, debounce } from './ui.js';
import { parseValue, formatValue } from './state.js';
import { blocks, parseChapter } from './md.js';
import index from '../../chapters/index.json';

const files = import.meta.glob('../../chapters/*.md', { query: '?raw', import: 'default', eager: true });

/** The chapter text for a panel id (parsed), from chapters/index.json and its Markdown file. */
export function chapterFor(panelId) {
  const entry = index.find((e) => e.panel === panelId);
  const src = entry ? files[`../../chapters/${entry.file}`] : '';
  return { entry, ...parseChapter(src ?? '') };
}

/** Panel records with the title, order and hidden controls of chapters/index.json applied. */
export function withIndex(panels) {
  return panels.map((p) => {
    const entry = index.find((e) => e.panel === p.id);
    if (!entry) return p;
    return { ...p, title: entry.title ?? p.title, hidden: entry.hidden ?? [], order: index.indexOf(entry) };
  }).sort((a, b) => (a.order ?? 99) - (b.order ?? 99));
}

/**
 * Panel records with each control's default from the core's table (`defaults()`, src/defaults.rs,
 * sent by the worker with `ready`): the one home of a panel's defaults. Only a control the engine
 * never receives (the week the timeline shows, a learner's code) keeps a default in its record.
 * A control with no default, with two (the record's and the core's), or whose core default it
 * would refuse, and a core default for a control no panel has, stop the page with one message
 * naming each (tests/e2e catch it on every panel).
 */
export function withDefaults(panels, table) {
  const problems = [];
  const ids = new Set(panels.map((p) => p.id));
  for (const id of Object.keys(table ?? {})) if (!ids.has(id)) problems.push(`${id}: no such panel`);
  const out = panels.map((p) => {
    const core = table?.[p.id] ?? {};
    for (const name of Object.keys(core)) {
      if (!p.controls.some((c) => c.name === name)) problems.push(`${p.id}.${name}: no such control`);
    }
    const controls = p.controls.map((c) => {
      const has = Object.hasOwn(core, c.name);
      if (has && c.default !== undefined) problems.push(`${p.id}.${c.name}: a second default in the panel record`);
      if (!has && c.default === undefined) problems.push(`${p.id}.${c.name}: no default`);
      if (has && !parseValue(c, formatValue(c, core[c.name])).ok) problems.push(`${p.id}.${c.name}: the control refuses ${core[c.name]}`);
      return has ? { ...c, default: core[c.name] } : c;
    });
    return { ...p, controls };
  });
  if (problems.length) throw new Error(`the panels' defaults disagree with the core's (src/defaults.rs): ${problems.join('; ')}`);
  return out;
}

/**
 * Build one labelled control; `onValue(v)` is called with each valid new value, `onPending()` when
 * the control moved and its value is not committed yet (the panel's results are then stale).
 * A control marked `live` (its result takes under 100 ms) commits on every move; the others commit
 * once the reader pauses, and the panel marks its old results stale meanwhile.
 */
function controlElement(c, value, onValue, onPending = () => {}) {
  const id = newId(`c-${c.name}`);
  const hint = h('span', { class: 'control-error', role: 'status' });
  const show = h('output', { for: id, class: 'control-value', text: formatValue(c, value) });
  const label = h('label', { for: id }, h('span', { text: c.label }), ' ', c.kind === 'range' || c.kind === 'int' ? show : null);
  let input;
  const commit = (raw) => {
    const r = parseValue(c, raw);
    if (r.ok) {
      hint.textContent = '';
      input.removeAttribute('aria-invalid');
      show.textContent = formatValue(c, r.value);
      onValue(r.value);
    } else {
      hint.textContent = `${c.label}: ${r.reason}`;
      input.setAttribute('aria-invalid', 'true');
    }
  };
  const later = debounce(commit, 250);
  const live = (raw) => {
    if (c.live) { commit(raw); return; }
    onPending();
    later(raw);
  };
  if (c.kind === 'range' || c.kind === 'int') {
    input = h('input', { id, type: 'range', min: c.min, max: c.max, step: c.step ?? (c.kind === 'int' ? 1 : 'any'), value,
      name: c.name, 'aria-describedby': c.help ? `${id}-help` : null });
    input.addEventListener('input', () => { show.textContent = input.value; live(input.value); });
  } else if (c.kind === 'select') {
    input = h('select', { id, name: c.name }, c.options.map((o) => h('option', { value: o.value, selected: o.value === value, text: o.label })));
    input.addEventListener('change', () => commit(input.value));
  } else if (c.kind === 'bool') {
    input = h('input', { id, type: 'checkbox', name: c.name, checked: Boolean(value) });
    input.addEventListener('change', () => commit(input.checked ? '1' : '0'));
    return h('div', { class: 'control control-bool', dataset: { control: c.name } }, input, label, hint);
  } else {
    // seed and drift: text fields (seeds may exceed 2^53; a drift keeps its Python type: "10" vs "10.0")
    input = h('input', { id, type: 'text', name: c.name, value, inputmode: c.kind === 'seed' ? 'numeric' : 'decimal',
      autocomplete: 'off', spellcheck: 'false', size: c.kind === 'seed' ? 8 : 6 });
    input.addEventListener('input', () => live(input.value));
    input.addEventListener('change', () => commit(input.value));
  }
  const help = c.help ? h('span', { id: `${id}-help`, class: 'control-help', text: c.help }) : null;
  const el = h('div', { class: `control control-${c.kind}`, dataset: { control: c.name } }, label, input, help, hint);
  el.setValue = (v) => { input.value = formatValue(c, v); show.textContent = formatValue(c, v); };
  return el;
}

/**
 * Mount `panel` into `root`.
 * @param {HTMLElement} root
 * @param {object} panel a panel record
 * @param {{values: object, hidden: Set<string>, engine: import('./engine.js').Engine, onState?: Function}} opts
 * @returns {() => void} unmount
 */
export function mountPanel(root, panel, { values, hidden, engine, onState }) {
  const abort = new AbortController();
  const listeners = [];
  const controls = new Map();
  const chapter = chapterFor(panel.id);
  const live = h('p', { class: 'visually-hidden', 'aria-live': 'polite', 'data-testid': 'live' });
  const state = { ...values };
  const body = h('div', { class: 'panel-body' });

  const ctx = {
    engine,
    values: state,
    hidden,
    signal: abort.signal,
    chapter,
    /** The labelled control for `name` (a hidden placeholder when the link hides it). */
    control(name) {
      const c = panel.controls.find((x) => x.name === name);
      if (!c) throw new Error(`panel ${panel.id} has no control ${name}`);
      const el = controlElement(c, state[name], (v) => ctx.set(name, v), () => { body.dataset.pending = '1'; });
      if (hidden.has(name)) el.hidden = true;
      controls.set(name, el);
      return el;
    },
    /** A group of controls in a fieldset. */
    controls(legend, names) {
      const els = names.map((n) => ctx.control(n));
      const fs = h('fieldset', { class: 'controls' }, h('legend', { text: legend }), els);
      if (els.every((e) => e.hidden)) fs.hidden = true;
      return fs;
    },
    /** Change a value (from a control or from the panel itself) and tell the listeners. */
    set(name, v, { fromPanel = false } = {}) {
      delete body.dataset.pending;
      state[name] = v;
      if (fromPanel) controls.get(name)?.setValue?.(v);
      onState?.(state);
      for (const fn of listeners) fn(name, state);
    },
    onChange(fn) { listeners.push(fn); },
    /** A chapter section (by its `## ` heading) as nodes; [] when the file lacks it. */
    section(name) {
      const src = chapter.sections.get(name);
      return src === undefined ? [] : blocks(src);
    },
    announce(text) { live.textContent = text; },
    store: {
      get: (key) => engine.call('kvGet', [key]),
      put: (key, value) => engine.call('kvPut', [key, value]),
      del: (key) => engine.call('kvDelete', [key]),
    },
  };

  root.replaceChildren();
  const head = h('header', { class: 'panel-head' },
    h('h2', { id: `${panel.id}-title`, text: panel.title }),
    chapter.lead.trim() ? h('div', { class: 'lead' }, blocks(chapter.lead)) : null);
  root.append(head, body, live);
  root.setAttribute('aria-labelledby', `${panel.id}-title`);
  root.dataset.panel = panel.id;
  const cleanup = panel.mount(body, ctx);
  return () => {
    abort.abort();
    if (typeof cleanup === 'function') cleanup();
  };
}
