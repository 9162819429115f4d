// The embeddable form of the exercises, one ES module (built to dist/embed.js, a stable name):
//
//   <script type="module" src="https://your.book/mlops-loop/embed.js"></script>
//   <mlops-exercise name="retrain-trigger" seed="2" alpha="0.05" hide="rows,column"></mlops-exercise>
//
// Attributes are the panel's control names (the same as in the page's URL hash); `seed` sets the
// panel's main seed; `hide` lists controls to hide. The element follows the host's dark mode, both
// prefers-color-scheme and Quarto's toggle (body.quarto-dark, which fires no event, hence a
// MutationObserver). Loading this module also wires any <iframe data-mlops-loop> of the iframe form
// (embed.html): it sizes the frame to the height the frame posts and tells it the host's theme.
import css from './src/style.css?inline';
import { engine } from './src/engine.js';
import { mountPanel, withIndex, withDefaults } from './src/app.js';
import { PANELS } from './src/panels/index.js';
import { parseValue, defaults, formatValue } from './src/state.js';
import { h } from './src/ui.js';

const panels = withIndex(PANELS);

/** Whether the host page is dark: Quarto's body classes first, then the reader's system setting. */
function hostIsDark() {
  const b = document.body?.classList;
  if (b?.contains('quarto-dark')) return true;
  if (b?.contains('quarto-light')) return false;
  const t = document.documentElement.dataset.theme;
  if (t === 'dark' || t === 'light') return t === 'dark';
  return window.matchMedia('(prefers-color-scheme: dark)').matches;
}

/** Call `fn(dark)` now and whenever the host's theme changes. */
function followTheme(fn) {
  const update = () => fn(hostIsDark());
  const mo = new MutationObserver(update);
  mo.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  mo.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme', 'class'] });
  const mq = window.matchMedia('(prefers-color-scheme: dark)');
  mq.addEventListener('change', update);
  update();
  return () => { mo.disconnect(); mq.removeEventListener('change', update); };
}

let sheet = null;
function styles() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    // contain: inline-size: the element takes the width of the column it is put in and never asks
    // for more (its content's longest unbreakable run made a phone's 358 px column 392 px wide,
    // and the host page cut the exercise off at the screen's edge); the content wraps inside it.
    sheet.replaceSync(`${css}\n:host { display: block; contain: inline-size; } .mlops-root { padding: .25rem .5rem; border-radius: .5rem; }`);
  }
  return sheet;
}

class MlopsExercise extends HTMLElement {
  async connectedCallback() {
    if (this.shadowRoot) return;
    const shadow = this.attachShadow({ mode: 'open' });
    shadow.adoptedStyleSheets = [styles()];
    const messages = h('ul', { role: 'alert', class: 'messages' });
    const section = h('section', { class: 'panel' }, h('p', { text: 'Loading the engine…' }));
    const root = h('div', { class: 'mlops-root' }, messages, section);
    shadow.append(root);
    this.stopTheme = followTheme((dark) => root.classList.toggle('dark', dark));

    const name = this.getAttribute('name') ?? '';
    let panel = panels.find((p) => p.id === name);
    const notes = [];
    if (!panel) {
      notes.push(`Unknown exercise name "${name.slice(0, 40)}"; expected one of ${panels.map((p) => p.id).join(', ')}.`);
      messages.replaceChildren(...notes.map((m) => h('li', { text: m })));
      section.replaceChildren();
      return;
    }
    // The defaults are the core's (src/defaults.rs): read the attributes once the engine is ready.
    let eng;
    try {
      eng = await engine({ panel: panel.id }).ready;
      panel = withDefaults([panel], { [panel.id]: eng.defaults?.[panel.id] ?? {} })[0];
    } catch (e) {
      section.replaceChildren(h('p', { class: 'error', role: 'alert', text: `The engine failed to start: ${e.message ?? e}` }));
      return;
    }
    const values = defaults(panel);
    const hidden = new Set(panel.hidden ?? []);
    for (const attr of this.getAttributeNames()) {
      if (['name', 'hide', 'class', 'style', 'id'].includes(attr)) continue;
      const key = attr === 'seed' && panel.seedAlias ? panel.seedAlias : attr.replace(/-/g, '_');
      const c = panel.controls.find((x) => x.name === key);
      const raw = this.getAttribute(attr) ?? '';
      if (!c) { notes.push(`Ignored attribute ${attr}: this exercise has no such setting.`); continue; }
      const r = parseValue(c, raw);
      if (r.ok) values[key] = r.value;
      else notes.push(`Ignored ${attr}="${raw.slice(0, 40)}": ${r.reason}. Using ${formatValue(c, values[key])}.`);
    }
    for (const n of (this.getAttribute('hide') ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      // a control's name as in the link (rows, seed_ref); `seed` is the panel's main seed
      const key = n === 'seed' && panel.seedAlias ? panel.seedAlias : n.replace(/-/g, '_');
      if (panel.controls.some((c) => c.name === key)) hidden.add(key);
      else notes.push(`Ignored "${n.slice(0, 40)}" in hide: this exercise has no such setting.`);
    }
    messages.replaceChildren(...notes.map((m) => h('li', { text: m })));
    messages.hidden = notes.length === 0;
    this.unmount = mountPanel(section, panel, { values, hidden, engine: eng });
    this.dataset.ready = '1';
  }

  disconnectedCallback() {
    this.stopTheme?.();
    this.unmount?.();
  }
}

/** The iframe form's host side: height from the frame, theme to the frame. */
function wireIframes() {
  const frames = () => [...document.querySelectorAll('iframe[data-mlops-loop]')];
  window.addEventListener('message', (ev) => {
    if (ev.data?.type !== 'mlops-loop:height') return;
    const f = frames().find((x) => x.contentWindow === ev.source);
    const height = Number(ev.data.height);
    if (f && Number.isFinite(height) && height > 0 && height < 100000) f.style.height = `${Math.ceil(height)}px`;
  });
  const post = (dark) => frames().forEach((f) => f.contentWindow?.postMessage({ type: 'mlops-loop:theme', theme: dark ? 'dark' : 'light' }, '*'));
  followTheme(post);
  for (const f of frames()) f.addEventListener('load', () => post(hostIsDark()));
}

if (!customElements.get('mlops-exercise')) customElements.define('mlops-exercise', MlopsExercise);
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', wireIframes, { once: true });
else wireIframes();
