// Exercise 3: build the promotion gate. Current vs candidate on the same recent data with a margin,
// and the same rule on each model's own test split (the book's case: opposite verdicts); an
// experiment of many rounds with candidates that are no better and candidates that are truly better
// (the world moved; the core measures the true gain), each scored on the same or on different data,
// with and without the margin; a paired bootstrap interval on the AUC difference; a two-sided
// challenge. Numbers come from the core (chapter, promotionTrials, bootstrapAucDiff).
import { h, pct, progress, result, table, jobRunner } from '../ui.js';
import { fmt } from '../format.js';
import { spareEngine } from '../engine.js';
import { chartFigure, baseStyle } from '../charts.js';
import { codeControl, learnerSection, showGate } from './learner.js';

export const gate = {
  id: 'promotion-gate',
  title: 'Exercise 3: build the promotion gate',
  seedAlias: 'seed_recent',
  controls: [
    { name: 'margin', label: 'margin (AUC points)', kind: 'range', min: 0, max: 0.05, step: 0.001 },
    { name: 'seed_train', label: 'current model: training seed', kind: 'seed' },
    { name: 'seed_live', label: 'candidate: training seed', kind: 'seed' },
    { name: 'seed_recent', label: 'recent-data seed', kind: 'seed' },
    { name: 'drift_recent', label: 'recent drift (days)', kind: 'drift', min: -90, max: 360 },
    { name: 'rounds', label: 'rounds per setting', kind: 'int', min: 10, max: 1000, step: 10 },
    { name: 'shift', label: 'shift of the world for the better candidates (days)', kind: 'int', min: 10, max: 90, step: 5 },
    { name: 'rows', label: 'rows per data set', kind: 'int', min: 200, max: 10000, step: 100 },
    { name: 'resamples', label: 'bootstrap resamples', kind: 'int', min: 100, max: 10000, step: 100 },
    { name: 'sim_seed', label: 'simulation seed', kind: 'seed' },
    codeControl('gate_py', 'your gate (Python)'),
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
    const ownSplit = h('div', { 'data-testid': 'own-split' });
    const aProg = progress('scoring both models');
    const errA = h('p', { class: 'error', role: 'alert' });
    let seqA = 0;
    async function score() {
      const my = ++seqA;
      aProg.start();
      try {
        const r = await engine.call('chapter', [{ seed_train: v.seed_train, seed_live: v.seed_live, seed_recent: v.seed_recent,
          drift_recent: v.drift_recent, rows: v.rows, margin: v.margin }]);
        if (my !== seqA) return;
        errA.textContent = '';
        cur.setNum(r.current_auc_recent, fmt.auc);
        if (r.candidate_auc_recent === null || r.candidate_auc_recent === undefined) {
          cand.set('no candidate (no retraining was triggered)');
          diff.set('—');
          decision.set('nothing to promote');
        } else {
          cand.setNum(r.candidate_auc_recent, fmt.auc);
          const dd = r.candidate_minus_current; // the core's promotion gate decided r.promote
          diff.setNum(dd, fmt.diff);
          decision.set(r.promote ? `promote (${fmt.auc(r.candidate_auc_recent)} ≥ ${fmt.auc(r.current_auc_recent)} + ${fmt.num(v.margin)})`
            : `keep the current model (the candidate needs at least ${fmt.auc(r.current_auc_recent)} + ${fmt.num(v.margin)})`);
        }
        showOwnSplit(r);
        ctx.announce(`Gate: ${decision.out.textContent}`);
      } catch (e) {
        if (my === seqA) errA.textContent = `The core refused these parameters: ${e.message}`;
      } finally {
        if (my === seqA) aProg.done();
      }
    }
    /** The same rule on each model's own test split against the same recent rows (from `chapter`). */
    function showOwnSplit(r) {
      if (!r.candidate || r.promote_on_own_splits === null || r.promote_on_own_splits === undefined) {
        ownSplit.replaceChildren();
        return;
      }
      const verdict = (p) => (p ? 'promote' : 'keep the current model');
      const differ = r.own_splits_disagree; // the core's: the rule on both kinds of evidence
      ownSplit.replaceChildren(
        h('h4', { text: 'Own test splits or the same rows?' }),
        h('div', { class: 'prose' }, ctx.section('Own splits')),
        table(['evidence', 'current model', 'candidate', 'the rule says'], [
          ['each on its own test split', fmt.auc(r.registered.auc), fmt.auc(r.candidate.auc), verdict(r.promote_on_own_splits)],
          ['both on the same recent data', fmt.auc(r.current_auc_recent), fmt.auc(r.candidate_auc_recent), verdict(r.promote)],
        ], { caption: `The rule “promote when the candidate ≥ current + ${v.margin}” on two kinds of evidence` }),
        h('p', { 'data-testid': 'own-split-verdict', class: differ ? 'fail' : null,
          text: differ ? 'The two kinds of evidence give opposite verdicts.' : 'Here both kinds of evidence give the same verdict.' }));
    }
    const partA = h('section', { class: 'cell', 'aria-labelledby': 'ex3-a' },
      h('h3', { id: 'ex3-a', text: 'The gate on the chapter\'s two models' }),
      h('div', { class: 'prose' }, ctx.section('The gate')),
      ctx.controls('Models and data', ['margin', 'seed_train', 'seed_live', 'seed_recent', 'drift_recent', 'rows']),
      h('div', { class: 'row' }, aProg.el), errA, cur.el, cand.el, diff.el, decision.el, ownSplit);
    root.append(partA);

    // ---- B. the experiment: a candidate that is no better
    const parts = [partA];
    {
      const bProg = progress('promotion experiment');
      const bOut = h('div', { 'data-testid': 'experiment' });
      const bChart = chartFigure('Promotions out of the rounds, by kind of candidate, evaluation data and margin.', 'experiment-chart');
      const errB = h('p', { class: 'error', role: 'alert' });
      const bButton = h('button', { type: 'button', text: 'Run the experiment', onclick: () => experiment() });
      async function experiment() {
        // the rows name the margin and shift the run used, even if a slider moves meanwhile
        const { margin, shift } = v;
        const settings = [
          { kind: 'no better', shift: 0, same_data: true }, { kind: 'no better', shift: 0, same_data: false },
          { kind: 'better', shift, same_data: true }, { kind: 'better', shift, same_data: false },
        ];
        try {
          const res = await run(bButton, bProg, async (onProgress, signal) => {
            const out = [];
            for (const [i, s] of settings.entries()) {
              const { kind, ...call } = s;
              const r = await engine.call('promotionTrials', [{ rounds: v.rounds, rows: v.rows, seed: v.sim_seed, margin, ...call }],
                { signal, onProgress: (x) => onProgress({ done: i * v.rounds + x.done, total: settings.length * v.rounds }) });
              out.push({ ...s, ...r });
            }
            return out;
          });
          errB.textContent = '';
          // Rates, intervals and mean true gains are the core's (promotion_rate[_without_margin], mean_true_gain).
          // At margin 0 the two rates are one setting: one row (two would be two bars stacked as one).
          const rates = (r) => (margin === 0 ? [[0, r.promotion_rate]] : [[0, r.promotion_rate_without_margin], [margin, r.promotion_rate]]);
          const rows = res.flatMap((r) => rates(r).map(([m, q]) => {
            const data = r.same_data ? 'same recent data' : 'different samples';
            return { kind: r.kind, data, margin: m, promotions: q.count, rounds: r.rounds, rate: q.rate, lo: q.lo, hi: q.hi,
              gain: r.mean_true_gain, label: `${r.kind}, ${r.same_data ? 'same' : 'different'} data, margin ${m}` };
          }));
          bOut.replaceChildren(table(['candidate', 'true gain (mean AUC)', 'evaluation data', 'margin', 'promoted', 'rounds', 'rate', '95 % interval'],
            rows.map((r) => [r.kind === 'better' ? `better (world moved ${shift} days)` : 'no better', fmt.diff(r.gain), r.data, fmt.num(r.margin),
              String(r.promotions), String(r.rounds), pct(r.rate), `${pct(r.lo)} – ${pct(r.hi)}`])));
          await bChart.update({
            label: 'Promotion rates by candidate, evaluation data and margin',
            // On a phone the settings' names sit above their bars (beside them, they took 260 of
            // about 340 px and left the bars a sixth of the chart).
            draw: (Plot, width) => {
              const narrow = width < 520;
              const step = 44;
              return Plot.plot({
                width, height: narrow ? rows.length * step + 66 : 320, style: baseStyle,
                marginLeft: narrow ? 8 : 260, marginRight: narrow ? 12 : undefined,
                x: { label: 'promotion rate', domain: [0, 1], grid: true },
                y: { label: null, axis: narrow ? null : undefined, padding: narrow ? 0.6 : undefined },
                marks: [
                  Plot.barX(rows, { y: 'label', x1: 0, x2: 'rate', fill: (d) => (d.kind === 'better' ? 'var(--live)' : 'var(--ref)') }),
                  Plot.ruleY(rows, { y: 'label', x1: 'lo', x2: 'hi', stroke: 'currentColor' }),
                  narrow ? Plot.text(rows, { y: 'label', x: 0, text: 'label', textAnchor: 'start', dy: -step / 2 + 7 }) : null,
                ],
              });
            },
            columns: ['setting', 'rate'],
            rows: rows.map((r) => [r.label, pct(r.rate)]),
          });
          ctx.announce(`Experiment done: ${rows.map((r) => `${r.label}: ${r.promotions} of ${r.rounds}`).join('; ')}`);
        } catch (e) {
          if (!e.cancelled) errB.textContent = `The experiment failed: ${e.message}`;
        }
      }
      const partB = h('section', { class: 'cell', 'aria-labelledby': 'ex3-b' },
        h('h3', { id: 'ex3-b', text: 'Candidates no better, candidates truly better' }),
        h('div', { class: 'prose' }, ctx.section('The experiment')),
        ctx.controls('Experiment', ['rounds', 'shift', 'sim_seed']),
        h('div', { class: 'row' }, bButton, bProg.el), errB, bOut, bChart.el);
      parts.push(partB);

      // ---- D. the challenge
      const chProg = progress('challenge check');
      const chOut = h('div', { 'data-testid': 'challenge-result', 'aria-live': 'polite' });
      const chButton = h('button', { type: 'button', text: 'Check my margin', onclick: () => challenge() });
      async function challenge() {
        const margin = v.margin; // the margin graded, even if the slider moves during the check
        try {
          // The goals and the grade are the core's (exercises::GateChallenge).
          const C = (await engine.call('challenges')).gate;
          const r = await run(chButton, chProg, async (onProgress, signal) => {
            const one = (shift, i) => engine.call('promotionTrials',
              [{ rounds: C.rounds, rows: C.rows, seed: C.seed, margin, same_data: true, shift }],
              { signal, onProgress: (x) => onProgress({ done: i * C.rounds + x.done, total: 2 * C.rounds }) });
            return engine.call('gradeGateChallenge', [{ none: await one(0, 0), real: await one(C.shift, 1) }]);
          });
          const [ok1, ok2, pass] = [r.spurious_ok, r.real_ok, r.pass];
          chOut.replaceChildren(
            h('p', { class: ok1 ? 'ok' : 'fail', 'data-testid': 'challenge-rate' },
              `${ok1 ? '✓' : '✗'} no-better candidates promoted: ${r.spurious.count} of ${r.spurious.total} (${pct(r.spurious.rate)}; goal ≤ ${pct(C.max_spurious)})`),
            h('p', { class: ok2 ? 'ok' : 'fail', 'data-testid': 'challenge-real' },
              `${ok2 ? '✓' : '✗'} better candidates (world moved ${C.shift} days, true gain ${fmt.diff(r.mean_true_gain)} AUC on average) promoted: ${r.real.count} of ${r.real.total} (${pct(r.real.rate)}; goal ≥ ${pct(C.min_real)})`),
            h('p', { class: pass ? 'ok' : 'fail', 'data-testid': 'challenge-verdict',
              text: pass ? `Challenge met at margin ${margin}.` : `Not yet: ${ok1 ? 'the margin turns away too many real improvements' : 'too many candidates that are no better get through'}.` }));
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
    }

    // ---- C. paired bootstrap
    {
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
            resamples: v.resamples, seed: v.sim_seed, margin: v.margin }]));
          errC.textContent = '';
          cDiff.setNum(r.diff, fmt.diff);
          cCI.set(`${r.lo.toFixed(4)} to ${r.hi.toFixed(4)} (${r.resamples} resamples; candidate at least as good in ${pct(r.share_candidate_wins)})`);
          // The core reads the interval against the margin by the promotion rule.
          cSays.set({ clears_margin: 'the whole interval reaches the margin', worse: 'the candidate is worse',
            not_convincing: 'the interval includes differences below the margin: not convincing' }[r.reading]);
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
    }

    // ---- E. the gate in Python: graded on the challenge's rounds (the core's), and in a year of the loop
    const own = learnerSection(ctx, {
      kind: 'gate',
      control: 'gate_py',
      intro: [h('p', { text: 'Write the rule yourself: should_promote gets the labels of the newest labelled rows and both models\' churn probabilities on those same rows, and returns True to promote, or (True, "why"). The starter is the built-in gate in Python; resample() draws a paired bootstrap. Run it and the engine grades it beside the built-in gate (the margin set above) on the challenge\'s rounds, candidates no better and candidates trained after the world moved, then runs a year of the loop with it.' })],
      grade: async () => {
        const C = (await engine.call('challenges')).gate;
        return ['gradeLearnerGate', { rounds: C.rounds, rows: C.rows, seed: C.seed, shift: C.shift, margin: v.margin },
          `Grading your gate on ${2 * C.rounds} rounds (each trains two models)`, C];
      },
      show: showGate,
      year: (sources) => ({ ...sources, weeks: 52, seed: 0, schedule: 'step', margin: v.margin }),
    });

    root.append(...parts.slice(1), own.el, h('div', { class: 'prose try' }, ctx.section('Try this')));
    score();
    ctx.onChange((name) => { if (!['rounds', 'resamples', 'sim_seed', 'gate_py'].includes(name)) score(); });
    return () => { seqA++; for (const j of jobs) j.abort(); own.unmount(); };
  },
};
