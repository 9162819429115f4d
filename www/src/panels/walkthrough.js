// Walkthrough: the chapter's three steps as runnable cells. With the defaults they print the book's
// three lines exactly; every number comes from the WASM core's `chapter(params)`.
import { h, progress, showNum } from '../ui.js';
import { fmt } from '../format.js';
import { spareEngine } from '../engine.js';

/**
 * `chapter(params)`, with its two model fits done at once when a second worker is up: the main
 * worker fits the current model on the training data while the spare fits the candidate on the
 * live data, and `chapter` then uses both (the same run, bit for bit: see `trainModel` in
 * docs/wasm-api.md). Any failure there falls back to the plain call, which names the bad field.
 */
async function runChapter(eng, params) {
  const spare = spareEngine();
  if (spare && spare.has('trainModel') && eng.has('trainModel')) {
    try {
      const [current, candidate] = await Promise.all([
        eng.call('trainModel', [{ seed: params.seed_train, drift: params.drift_train, rows: params.rows }]),
        spare.call('trainModel', [{ seed: params.seed_live, drift: params.drift_live, rows: params.rows }]),
      ]);
      const r = await eng.call('chapter', [{ ...params, current_model: current, candidate_model: candidate }]);
      return { ...r, fits: 'two workers' };
    } catch { /* the plain call below reports the problem with the field's own name */ }
  }
  return { ...(await eng.call('chapter', [params])), fits: 'one worker' };
}

const SEED = (name, label) => ({ name, label, kind: 'seed' });
const DRIFT = (name, label) => ({ name, label, kind: 'drift', min: -90, max: 360,
  help: 'days added to days_since_login; "10" keeps whole days, "10.0" makes them decimals (as in the book)' });

export const walkthrough = {
  id: 'walkthrough',
  title: 'Walkthrough: one turn of the loop',
  seedAlias: 'seed_live',
  controls: [
    SEED('seed_train', 'training seed'),
    DRIFT('drift_train', 'training drift (days)'),
    SEED('seed_live', 'live seed'),
    DRIFT('drift_live', 'live drift (days)'),
    { name: 'alpha', label: 'alpha (KS test level)', kind: 'range', min: 0.001, max: 0.2, step: 0.001 },
    SEED('seed_recent', 'recent-data seed'),
    DRIFT('drift_recent', 'recent drift (days)'),
    { name: 'margin', label: 'promotion margin (AUC)', kind: 'range', min: 0, max: 0.05, step: 0.001 },
    { name: 'rows', label: 'rows per data set', kind: 'int', min: 200, max: 10000, step: 100 },
  ],
  mount(root, ctx) {
    const cells = [
      { key: 'step 1', title: 'Train and register', names: ['seed_train', 'drift_train', 'rows'], section: 'Step 1' },
      { key: 'step 2', title: 'Watch the inputs', names: ['seed_live', 'drift_live', 'alpha'], section: 'Step 2' },
      { key: 'step 3', title: 'Retrain, then gate the promotion', names: ['seed_recent', 'drift_recent', 'margin'], section: 'Step 3' },
    ];
    const prog = progress('computing the chapter');
    let seq = 0;

    const views = cells.map((cell, i) => {
      const line = h('pre', { class: 'cell-out', 'data-exact': '', 'data-testid': `line-${i + 1}`, 'aria-label': `output of step ${i + 1}` }, '…');
      const facts = h('dl', { class: 'facts', 'data-testid': `facts-${i + 1}` });
      const run = h('button', { type: 'button', class: 'run', text: `Run step ${i + 1}`, onclick: () => compute(i) });
      const el = h('section', { class: 'cell', 'aria-labelledby': `cell-${i}-h` },
        h('h3', { id: `cell-${i}-h`, text: `${i + 1}. ${cell.title}` }),
        h('div', { class: 'prose' }, ctx.section(cell.section)),
        h('div', { class: 'cell-in' }, ctx.controls(`Parameters of step ${i + 1}`, cell.names), run),
        line, facts);
      return { el, line, facts };
    });

    // [label, value, testid, format]: a number with a format shows by the page's rule, its full value in data-value
    const fact = (dl, pairs) => dl.replaceChildren(...pairs.flatMap(([k, v, id, show]) => [
      h('dt', { text: k }), h('dd', {}, show ? showNum(h('output', { 'data-testid': id }), v, show) : h('output', { 'data-testid': id, text: v }))]));

    function show(r, upto) {
      views.forEach((v, i) => {
        if (i > upto) {
          v.line.textContent = '(run this step)';
          v.facts.replaceChildren();
          return;
        }
        v.line.textContent = r.lines[i];
      });
      fact(views[0].facts, [
        ['data fingerprint', r.registered.fingerprint, 'fingerprint'],
        ['model version', r.registered.version, 'version'],
        ['AUC on its test split', r.registered.auc, 'auc', fmt.auc],
      ]);
      if (upto >= 1) {
        fact(views[1].facts, [
          ['KS statistic D (days_since_login)', r.ks.statistic, 'ks-d', fmt.num],
          ['p-value', r.ks.pvalue, 'pvalue', fmt.p],
          ['method', r.ks.method, 'ks-method'],
          ['retrain?', r.retrain ? `yes (p < ${ctx.values.alpha})` : `no (p ≥ ${ctx.values.alpha})`, 'retrain'],
        ]);
      }
      if (upto >= 2) {
        fact(views[2].facts, r.candidate ? [
          ['candidate', `${r.candidate.version} (data ${r.candidate.fingerprint})`, 'candidate'],
          ['current AUC on recent data', r.current_auc_recent, 'current-auc', fmt.auc],
          ['candidate AUC on recent data', r.candidate_auc_recent, 'candidate-auc', fmt.auc],
          ['promote?', r.promote ? 'yes' : 'no', 'promote'],
        ] : [['candidate', 'none: no retraining was triggered', 'candidate']]);
      }
    }

    async function compute(upto = 2) {
      const my = ++seq;
      root.dataset.state = 'running';
      prog.start();
      root.setAttribute('aria-busy', 'true');
      try {
        const params = Object.fromEntries(walkthrough.controls.map((c) => [c.name, ctx.values[c.name]]));
        const r = await runChapter(ctx.engine, params);
        if (my !== seq) return;
        show(r, upto);
        root.dataset.fits = r.fits;
        err.textContent = '';
        ctx.announce(`Step results: ${r.lines.slice(0, upto + 1).join('; ')}`);
        root.dataset.state = 'done';
      } catch (e) {
        if (my !== seq) return;
        err.textContent = `The core refused these parameters: ${e.message}`;
        root.dataset.state = 'error';
      } finally {
        if (my === seq) { prog.done(); root.removeAttribute('aria-busy'); }
      }
    }

    const err = h('p', { class: 'error', role: 'alert' });
    const all = h('button', { type: 'button', class: 'run', text: 'Run all three steps', onclick: () => compute(2) });
    root.append(h('div', { class: 'row' }, all, prog.el), err, ...views.map((v) => v.el),
      h('div', { class: 'prose try' }, ctx.section('Try this')));
    ctx.onChange(() => { root.dataset.state = 'stale'; compute(2); });
    compute(2);
    return () => { seq++; };
  },
};

