// Exercise 3: build the promotion gate. Current vs candidate on the same recent data with a margin;
// an experiment of many rounds where the candidate is no better (spurious promotions with same vs
// different evaluation data, with and without a margin); a paired bootstrap interval on the AUC
// difference; a challenge. Numbers come from the core (chapter, promotionTrials, bootstrapAucDiff).
import { h, f3, pct, wilson, progress, result, table, jobRunner } from '../ui.js';
import { fmt } from '../format.js';
import { comingNotice } from '../app.js';
import { spareEngine } from '../engine.js';
import { chartFigure, baseStyle } from '../charts.js';

/** The challenge: spurious promotions at most 5 % of 40 same-data rounds (each round fits a model: ~0.5 s), with a margin of at most 0.02. */
export const CHALLENGE = { rounds: 40, maxRate: 0.05, maxMargin: 0.02 };

export const gate = {
  id: 'promotion-gate',
  title: 'Exercise 3: build the promotion gate',
  seedAlias: 'seed_recent',
  needs: 'promotionTrials',
  controls: [
    { name: 'margin', label: 'margin (AUC points)', kind: 'range', min: 0, max: 0.05, step: 0.001, default: 0 },
    { name: 'seed_train', label: 'current model: training seed', kind: 'seed', default: '1' },
    { name: 'seed_live', label: 'candidate: training seed', kind: 'seed', default: '2' },
    { name: 'seed_recent', label: 'recent-data seed', kind: 'seed', default: '3' },
    { name: 'drift_recent', label: 'recent drift (days)', kind: 'drift', min: -90, max: 360, default: '10' },
    { name: 'rounds', label: 'rounds per setting', kind: 'int', min: 10, max: 1000, step: 10, default: 100 },
    { name: 'rows', label: 'rows per data set', kind: 'int', min: 200, max: 10000, step: 100, default: 3000 },
    { name: 'resamples', label: 'bootstrap resamples', kind: 'int', min: 100, max: 10000, step: 100, default: 1000 },
    { name: 'sim_seed', label: 'simulation seed', kind: 'seed', default: '0' },
  ],
  mount(root, ctx) {
    spareEngine(); // warm the second worker: the trial experiments split across both
    const { engine, values: v } = ctx;
    const { jobs, run } = jobRunner();

    // ---- A. the gate on the chapter's models
    const cur = result('current model, AUC on recent data', 'current-auc');
    const cand = result('candidate, AUC on recent data', 'candidate-auc');
    const diff = result('difference (candidate − current)', 'auc-diff');
    const decision = result('gate', 'gate-decision');
    const aProg = progress('scoring both models');
    const errA = h('p', { class: 'error', role: 'alert' });
    let seqA = 0;
    let lastChapter = null;
    async function score() {
      if (!engine.has('chapter')) return;
      const my = ++seqA;
      aProg.start();
      try {
        const r = await engine.call('chapter', [{ seed_train: v.seed_train, seed_live: v.seed_live, seed_recent: v.seed_recent,
          drift_recent: v.drift_recent, rows: v.rows, margin: v.margin }]);
        if (my !== seqA) return;
        lastChapter = r;
        errA.textContent = '';
        cur.setNum(r.current_auc_recent, fmt.auc);
        if (r.candidate_auc_recent === null || r.candidate_auc_recent === undefined) {
          cand.set('no candidate (no retraining was triggered)');
          diff.set('—');
          decision.set('nothing to promote');
        } else {
          cand.setNum(r.candidate_auc_recent, fmt.auc);
          const dd = r.candidate_auc_recent - r.current_auc_recent;
          diff.setNum(dd, fmt.diff);
          decision.set(r.promote ? `promote (${f3(r.candidate_auc_recent)} clears ${f3(r.current_auc_recent)} + ${v.margin})`
            : `keep the current model (needs more than ${v.margin} over it)`);
        }
        ctx.announce(`Gate: ${decision.out.textContent}`);
      } catch (e) {
        if (my === seqA) errA.textContent = `The core refused these parameters: ${e.message}`;
      } finally {
        if (my === seqA) aProg.done();
      }
    }
    const partA = h('section', { class: 'cell', 'aria-labelledby': 'ex3-a' },
      h('h3', { id: 'ex3-a', text: 'The gate on the chapter\'s two models' }),
      h('div', { class: 'prose' }, ctx.section('The gate')),
      ctx.controls('Models and data', ['margin', 'seed_train', 'seed_live', 'seed_recent', 'drift_recent', 'rows']),
      engine.has('chapter') ? [h('div', { class: 'row' }, aProg.el), errA, cur.el, cand.el, diff.el, decision.el]
        : comingNotice('chapter(params)'));
    root.append(partA);

    // ---- B. the experiment: a candidate that is no better
    const parts = [partA];
    if (engine.has('promotionTrials')) {
      const bProg = progress('promotion experiment');
      const bOut = h('div', { 'data-testid': 'experiment' });
      const bChart = chartFigure('Spurious promotions out of the rounds, by evaluation data and margin.', 'experiment-chart');
      const errB = h('p', { class: 'error', role: 'alert' });
      const bButton = h('button', { type: 'button', text: 'Run the experiment', onclick: () => experiment() });
      async function experiment() {
        const settings = [
          { same_data: true, margin: 0 }, { same_data: false, margin: 0 },
          { same_data: true, margin: v.margin }, { same_data: false, margin: v.margin },
        ];
        try {
          const res = await run(bButton, bProg, async (onProgress, signal) => {
            const out = [];
            for (const [i, s] of settings.entries()) {
              const r = await engine.call('promotionTrials', [{ rounds: v.rounds, rows: v.rows, seed: v.sim_seed, ...s }],
                { signal, onProgress: (x) => onProgress({ done: i * v.rounds + x.done, total: settings.length * v.rounds }) });
              out.push({ ...s, ...r });
            }
            return out;
          });
          errB.textContent = '';
          const rows = res.map((r) => {
            const [lo, hi] = wilson(r.promotions, r.rounds);
            return { data: r.same_data ? 'same recent data' : 'different data', margin: r.margin, promotions: r.promotions,
              rounds: r.rounds, rate: r.promotions / r.rounds, lo, hi, label: `${r.same_data ? 'same' : 'different'} data, margin ${r.margin}` };
          });
          bOut.replaceChildren(table(['evaluation data', 'margin', 'spurious promotions', 'rounds', 'rate', '95 % interval'],
            rows.map((r) => [r.data, String(r.margin), String(r.promotions), String(r.rounds), pct(r.rate), `${pct(r.lo)} – ${pct(r.hi)}`])));
          await bChart.update({
            label: 'Spurious promotion rates by setting',
            draw: (Plot, width) => Plot.plot({
              width, height: 220, style: baseStyle, marginLeft: 190,
              x: { label: 'spurious promotion rate', domain: [0, 1], grid: true }, y: { label: null },
              marks: [
                Plot.barX(rows, { y: 'label', x: 'rate', fill: (d) => (d.data.startsWith('same') ? 'var(--ref)' : 'var(--live)') }),
                Plot.ruleY(rows, { y: 'label', x1: 'lo', x2: 'hi', stroke: 'currentColor' }),
              ],
            }),
            columns: ['setting', 'rate'],
            rows: rows.map((r) => [r.label, pct(r.rate)]),
          });
          ctx.announce(`Experiment done: ${rows.map((r) => `${r.label}: ${r.promotions} of ${r.rounds}`).join('; ')}`);
        } catch (e) {
          if (!e.cancelled) errB.textContent = `The experiment failed: ${e.message}`;
        }
      }
      const partB = h('section', { class: 'cell', 'aria-labelledby': 'ex3-b' },
        h('h3', { id: 'ex3-b', text: 'A candidate that is no better' }),
        h('div', { class: 'prose' }, ctx.section('The experiment')),
        ctx.controls('Experiment', ['rounds', 'sim_seed']),
        h('div', { class: 'row' }, bButton, bProg.el), errB, bOut, bChart.el);
      parts.push(partB);

      // ---- D. the challenge
      const chProg = progress('challenge check');
      const chOut = h('div', { 'data-testid': 'challenge-result', 'aria-live': 'polite' });
      const chButton = h('button', { type: 'button', text: 'Check my margin', onclick: () => challenge() });
      async function challenge() {
        const C = CHALLENGE;
        try {
          const r = await run(chButton, chProg, (onProgress, signal) => engine.call('promotionTrials',
            [{ rounds: C.rounds, rows: v.rows, seed: v.sim_seed, margin: v.margin, same_data: true }], { onProgress, signal }));
          const rate = r.promotions / r.rounds;
          const ok1 = rate <= C.maxRate;
          const ok2 = v.margin <= C.maxMargin;
          const pass = ok1 && ok2;
          const book = lastChapter && lastChapter.candidate_auc_recent !== null
            ? `At this margin the chapter's candidate would ${lastChapter.promote ? 'still' : 'no longer'} be promoted.` : '';
          chOut.replaceChildren(
            h('p', { class: ok1 ? 'ok' : 'fail', 'data-testid': 'challenge-rate' },
              `${ok1 ? '✓' : '✗'} spurious promotions: ${r.promotions} of ${r.rounds} (${pct(rate)}; goal ≤ ${pct(C.maxRate)})`),
            h('p', { class: ok2 ? 'ok' : 'fail' }, `${ok2 ? '✓' : '✗'} margin ${v.margin} (goal ≤ ${C.maxMargin})`),
            h('p', { class: pass ? 'ok' : 'fail', 'data-testid': 'challenge-verdict', text: pass ? 'Challenge met.' : 'Not yet: move the margin.' }),
            ...(book ? [h('p', { text: book })] : []));
          root.dataset.challenge = pass ? 'pass' : 'fail';
          ctx.announce(pass ? 'Challenge met.' : 'Challenge not met yet.');
        } catch (e) {
          if (!e.cancelled) chOut.replaceChildren(h('p', { class: 'error', text: `Check failed: ${e.message}` }));
        }
      }
      parts.push(h('section', { class: 'cell challenge', 'aria-labelledby': 'ex3-d' },
        h('h3', { id: 'ex3-d', text: 'Challenge' }),
        h('div', { class: 'prose' }, ctx.section('Challenge')),
        h('div', { class: 'row' }, chButton, chProg.el), chOut,
        h('details', { class: 'hints' }, h('summary', { text: 'Hints' }), ctx.section('Hints'))));
    } else {
      parts.push(comingNotice('promotionTrials(params)'));
    }

    // ---- C. paired bootstrap
    if (engine.has('bootstrapAucDiff')) {
      const cProg = progress('bootstrap');
      const cDiff = result('AUC difference (candidate − current)', 'boot-diff');
      const cCI = result('95 % paired bootstrap interval', 'boot-ci');
      const cSays = result('reading', 'boot-reading');
      const errC = h('p', { class: 'error', role: 'alert' });
      const cButton = h('button', { type: 'button', text: 'Bootstrap the difference', onclick: () => boot() });
      async function boot() {
        try {
          const r = await run(cButton, cProg, () => engine.call('bootstrapAucDiff', [{
            current: { seed: v.seed_train, drift: '0.0', rows: v.rows },
            candidate: { seed: v.seed_live, drift: '10', rows: v.rows },
            recent: { seed: v.seed_recent, drift: v.drift_recent, rows: v.rows },
            resamples: v.resamples, seed: v.sim_seed }]));
          errC.textContent = '';
          cDiff.setNum(r.diff, fmt.diff);
          cCI.set(`${r.lo.toFixed(4)} to ${r.hi.toFixed(4)} (${r.resamples} resamples; candidate at least as good in ${pct(r.share_candidate_wins)})`);
          cSays.set(r.lo > v.margin ? 'the whole interval clears the margin'
            : r.hi < 0 ? 'the candidate is worse' : 'the interval includes differences at or below the margin: not convincing');
          ctx.announce(`Bootstrap interval ${r.lo.toFixed(4)} to ${r.hi.toFixed(4)}`);
        } catch (e) {
          if (!e.cancelled) errC.textContent = `The bootstrap failed: ${e.message}`;
        }
      }
      parts.splice(2, 0, h('section', { class: 'cell', 'aria-labelledby': 'ex3-c' },
        h('h3', { id: 'ex3-c', text: 'How sure is the improvement?' }),
        h('div', { class: 'prose' }, ctx.section('Bootstrap')),
        ctx.controls('Bootstrap', ['resamples']),
        h('div', { class: 'row' }, cButton, cProg.el), errC, cDiff.el, cCI.el, cSays.el));
    } else {
      parts.push(comingNotice('bootstrapAucDiff(params)'));
    }

    root.append(...parts.slice(1), h('div', { class: 'prose try' }, ctx.section('Try this')));
    score();
    ctx.onChange((name) => { if (!['rounds', 'resamples', 'sim_seed'].includes(name)) score(); });
    return () => { seqA++; for (const j of jobs) j.abort(); };
  },
};
