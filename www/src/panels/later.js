// Exercises 4 and 5, the registry and the timeline: they need the core's loop engine (`runLoop`)
// and its IndexedDB registry (`Registry`). Until this build of the core has them, each panel shows
// its words and a clear notice, never made-up numbers. Exercise 4's reflection box works already.
import { h, debounce } from '../ui.js';
import { comingNotice } from '../app.js';

/** A reflection box kept in this browser under `key`. */
function reflection(ctx, key, label) {
  const id = `${key}-text`;
  const area = h('textarea', { id, rows: 5, maxlength: 4000 });
  const status = h('p', { role: 'status', 'data-testid': 'reflection-status', text: 'Loading…' });
  const save = debounce(async () => {
    try {
      await ctx.store.put(key, area.value);
      status.textContent = 'Saved in this browser.';
    } catch (e) {
      status.textContent = `Not saved: ${e.message}`;
    }
  }, 300);
  area.addEventListener('input', save);
  ctx.store.get(key).then((t) => {
    area.value = t ?? '';
    status.textContent = t ? 'Your reflection is back.' : 'Saved in this browser as you type.';
    area.dataset.loaded = '1';
  }).catch((e) => { status.textContent = `Local storage is unavailable: ${e.message}`; });
  return h('div', { class: 'control' }, h('label', { for: id, text: label }), area, status);
}

function later(id, title, needs, extra) {
  return {
    id,
    title,
    needs,
    controls: [],
    mount(root, ctx) {
      const ready = needs.every((n) => ctx.engine.has(n));
      root.append(h('div', { class: 'prose' }, ctx.section('What you will do')));
      if (!ready) root.append(comingNotice(needs.map((n) => (n === 'Registry' ? 'Registry' : `${n}(params)`)).join(' and ')));
      else root.append(h('p', { class: 'notice', text: 'The core now has the loop engine; this panel\'s controls are the next front-end step.' }));
      extra?.(root, ctx);
      root.append(h('div', { class: 'prose try' }, ctx.section('Try this')));
      return undefined;
    },
  };
}

export const twoLoops = later('two-loops', 'Exercise 4: the exploration loop and the production loop', ['runLoop'], (root, ctx) => {
  root.append(h('section', { class: 'cell', 'aria-labelledby': 'ex4-j' }, h('h3', { id: 'ex4-j', text: 'Judgements that must become gates' }),
    h('div', { class: 'prose' }, ctx.section('Judgements')),
    reflection(ctx, 'ex4-reflection', 'Your reflection: where does the analogy between the two loops hold, and where does it break?')));
});
export const weakestLink = later('weakest-link', 'Exercise 5: the weakest link', ['runLoop']);
