// The page (index.html) and its iframe form (embed.html): router over the panel records, state in the
// URL hash, the loop as navigation (nav.js), the engine in a Web Worker, its version in the footer,
// and the offline service worker.
// The engine's worker is started before any of this, by the pages' inline script (early.js); the
// engine adopts it.
import { engine } from './engine.js';
import { readHash, writeHash } from './state.js';
import { mountPanel, withIndex, withDefaults } from './app.js';
import { PANELS } from './panels/index.js';
import { h } from './ui.js';
import { loopNav } from './nav.js';

const $ = (id) => document.getElementById(id);
/** The panel records, with their defaults from the core once the engine is ready (main). */
let panels = withIndex(PANELS);
const FALLBACK = panels[0].id;
const embedded = document.documentElement.dataset.embed === '1';

let unmount = null;
let current = null;

/** Show the hash's problems as plain text (values from the URL are never inserted as HTML). */
function showMessages(messages) {
  const box = $('messages');
  box.replaceChildren(...messages.map((m) => h('li', { text: m })));
  box.parentElement.hidden = messages.length === 0;
}

function renderNav(activeId) {
  const nav = $('panel-nav');
  if (!nav) return;
  nav.replaceChildren(...loopNav(panels, activeId));
}

function route(eng) {
  // The iframe form may name its panel in the query (embed.html?panel=...); the hash wins: its
  // panel, and its value of a setting both give (readHash counts the first and says so).
  let hash = location.hash;
  const q = new URLSearchParams(location.search);
  if (!/(^#|&)panel=/.test(hash) && q.get('panel')) {
    const rest = new URLSearchParams(hash.slice(1));
    for (const [k, v] of q) if (k !== 'theme') rest.append(k, v);
    hash = `#${rest}`;
  }
  const { panel, values, hidden, messages } = readHash(hash, panels, FALLBACK);
  showMessages(messages);
  renderNav(panel.id);
  unmount?.();
  const root = $('panel');
  current = panel;
  document.title = embedded ? `${panel.title} — mlops-loop` : `${panel.title} — mlops-loop`;
  unmount = mountPanel(root, panel, {
    values,
    hidden,
    engine: eng,
    onState: (state) => {
      const next = writeHash(current, state, hidden);
      history.replaceState(null, '', next);
    },
  });
}

/** The engine's version (from the WASM module) in the footer. */
function showVersion(eng) {
  const v = $('version');
  if (v) v.textContent = eng.version;
}

/** The iframe form tells its parent how tall it is, and follows the theme the parent posts. */
function embedBridge() {
  const theme = new URLSearchParams(location.search).get('theme');
  if (theme === 'dark' || theme === 'light') document.documentElement.dataset.theme = theme;
  if (window.parent === window) return;
  const post = () => window.parent.postMessage({ type: 'mlops-loop:height', height: Math.ceil(document.body.getBoundingClientRect().height) }, '*');
  new ResizeObserver(post).observe(document.body);
  window.addEventListener('message', (ev) => {
    if (ev.source !== window.parent || ev.data?.type !== 'mlops-loop:theme') return;
    if (ev.data.theme === 'dark' || ev.data.theme === 'light') document.documentElement.dataset.theme = ev.data.theme;
  });
}

function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  navigator.serviceWorker.register('./sw.js').catch(() => { /* offline support is a bonus, not a failure */ });
}

async function main() {
  if (embedded) embedBridge();
  performance.mark('engine-start'); // read by make bench (the cold load's breakdown)
  const eng = await engine().ready;
  performance.mark('engine-ready'); // read by make bench: the worker's answer arrived, the mount starts
  panels = withDefaults(panels, eng.defaults);
  showVersion(eng);
  route(eng);
  window.addEventListener('hashchange', () => route(eng));
  document.body.dataset.ready = '1';
  performance.mark('mlops-ready');
  // Only once the first panel's own calls are answered (the timeline's first year takes a second or
  // more), or after 10 s at the latest: installing the offline cache downloads and stores every
  // built file (and the browser compiles its scripts), work that competed for the device's cores
  // with the engine's first computation and the first charts. A new task first, so that calls the
  // panel posts just after mounting count as pending.
  setTimeout(() => Promise.race([eng.idle(), new Promise((r) => setTimeout(r, 10_000))]).then(registerServiceWorker), 0);
}

main().catch((e) => {
  document.body.dataset.ready = 'error';
  const p = h('p', { role: 'alert', class: 'error', text: `The engine failed to start: ${e.message ?? e}` });
  $('main').prepend(p);
});
