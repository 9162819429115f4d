// The page's navigation is the chapter's loop: pipeline → registry → serving → monitoring →
// retrain and gate → back to the pipeline. Each stage links to the panels where it is computed and
// where it is exercised; the panels about the whole loop sit inside the ring. The current panel is
// marked (aria-current) and so is every stage that links to it. On a phone the ring folds into a
// compact menu (a <details> listing the panels in chapter order); CSS shows one form or the other.
import { h } from './ui.js';

/** The loop's stages and the panels behind each (panel ids; the first is where it is computed). */
export const STAGES = [
  { id: 'pipeline', name: 'Pipeline', what: 'seeded training on recorded data', panels: ['walkthrough', 'weakest-link'] },
  { id: 'registry', name: 'Registry', what: 'versions, lineage, aliases', panels: ['registry', 'walkthrough'] },
  { id: 'serving', name: 'Serving', what: 'canary, promotion, rollback', panels: ['timeline', 'weakest-link'] },
  { id: 'monitoring', name: 'Monitoring', what: 'a KS test on each input', panels: ['retrain-trigger', 'timeline'] },
  { id: 'trigger', name: 'Retrain, gate', what: 'retrain on drift, promote only if better', panels: ['promotion-gate', 'retrain-trigger', 'two-loops'] },
];
/** Panels about the loop as a whole (shown inside the ring). */
export const WHOLE = ['walkthrough', 'map-the-loop', 'two-loops', 'weakest-link'];

/** A short name for a panel link ("Exercise 2: build the retraining trigger" → "Ex 2 · build the retraining trigger"). */
export function shortTitle(title) {
  return title.replace(/^Exercise (\d+): /, 'Ex $1 · ').replace(/^Walkthrough: .*/, 'Walkthrough');
}

/** The shortest name, for the ring's stage links ("Ex 2"; the full title is the link's tooltip). */
const tinyTitle = (title) => shortTitle(title).replace(/ · .*/, '');

/** The navigation for `panels` (records with id and title) with `activeId` marked. */
export function loopNav(panels, activeId) {
  const byId = new Map(panels.map((p) => [p.id, p]));
  const link = (id, text, short = shortTitle) => {
    const p = byId.get(id);
    if (!p) return null;
    return h('a', { href: `#panel=${id}`, 'aria-current': id === activeId ? 'page' : null, title: p.title, text: text ?? short(p.title) });
  };
  const stages = STAGES.map((s, i) => h('li', { class: `stage-node${s.panels.includes(activeId) ? ' current' : ''}`, dataset: { stage: s.id } },
    h('span', { class: 'stage-name' }, h('span', { class: 'stage-no', 'aria-hidden': 'true', text: `${i + 1}` }), s.name),
    h('span', { class: 'stage-what', text: s.what }),
    h('ul', { class: 'stage-links' }, s.panels.map((id) => h('li', {}, link(id, null, tinyTitle))))));
  const active = byId.get(activeId);
  const ring = h('div', { class: 'ring-wrap' },
    h('ol', { class: 'ring', 'aria-label': 'The loop, stage by stage; the last stage feeds back into the first' },
      stages.flatMap((li, i) => (i ? [h('li', { class: 'ring-arrow', 'aria-hidden': 'true', text: '→' }), li] : [li]))),
    h('p', { class: 'ring-back', 'aria-hidden': 'true', text: 'back to the pipeline with the new model' }),
    h('div', { class: 'ring-centre' }, h('span', { class: 'stage-what', text: 'The whole loop:' }),
      h('ul', { class: 'stage-links' }, WHOLE.map((id) => h('li', {}, link(id))), h('li', {}, link('timeline', 'Timeline of a year')))));
  const menu = h('details', { class: 'navmenu' },
    h('summary', {}, h('span', { class: 'navmenu-label', text: 'Panels' }), h('span', { class: 'navmenu-current', text: active ? shortTitle(active.title) : '' })),
    h('ol', {}, panels.map((p) => {
      const where = STAGES.filter((s) => s.panels[0] === p.id).map((s) => s.name).join(', ') || (WHOLE.includes(p.id) ? 'the whole loop' : '');
      return h('li', { class: p.id === activeId ? 'current' : null }, link(p.id, p.title),
        where && where !== p.title ? h('span', { class: 'stage-what', text: where }) : null);
    })));
  return [ring, menu];
}
