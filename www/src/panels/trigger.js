// Exercise 2: build the retraining trigger. Reference vs live ECDFs with the KS gap D, a false-alarm
// simulator, a power curve, the large-sample effect, corrections across the three features, and a
// challenge checked by simulation. Every number comes from the core (ksSamples, driftTrials).
import { h, fmtP, pct, progress, result, table, jobRunner } from '../ui.js';
import { fmt } from '../format.js';
import { spareEngine } from '../engine.js';
import { chartFigure, baseStyle, ecdfPoints, ecdfAt } from '../charts.js';
import { codeControl, learnerSection, showTrigger } from './learner.js';

const COLUMNS = [
  { value: 'days_since_login', label: 'days_since_login' },
  { value: 'spend_per_active_day', label: 'spend_per_active_day' },
  { value: 'is_recent', label: 'is_recent' },
];
/** The core's feature order in driftTrials results (alarms_per_feature, pvalues). */
const FEATURE_ORDER = ['spend_per_active_day', 'is_recent', 'days_since_login'];
const CORRECTIONS = [
  { value: 'none', label: 'none (each feature at alpha)' },
  { value: 'bonferroni', label: 'Bonferroni (alpha / 3 each)' },
  { value: 'bh', label: 'Benjamini–Hochberg (FDR at alpha)' },
];

/** The alphas the cost table prices. */
export const COST_ALPHAS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1];

/**
 * A note that marks a simulation's results stale when one of the controls `names` changes after
 * they were shown (its section gets `data-state="stale"`, which fades the old results); `fresh()`
 * clears it when new results arrive.
 */
function staleMarker(ctx, names) {
  const note = h('p', { class: 'stale-note', role: 'status', 'data-testid': 'stale-note', hidden: true,
    text: 'These results are from earlier settings: run again to update them.' });
  let shown = false;
  const section = () => note.closest('section');
  ctx.onChange((name) => {
    if (!shown || !names.includes(name)) return;
    note.hidden = false;
    if (section()) section().dataset.state = 'stale';
  });
  return { note, fresh: () => { shown = true; note.hidden = true; if (section()) delete section().dataset.state; } };
}

/** Drift sizes of the power curve (days added to days_since_login). */
export const POWER_DRIFTS = ['0', '1', '2', '3', '4', '5', '6', '8', '10'];
/** Sample sizes of the large-sample effect, at a fixed small drift. */
export const SIZES = [300, 1000, 3000, 10000, 30000];

export const trigger = {
  id: 'retrain-trigger',
  title: 'Exercise 2: build the retraining trigger',
  seedAlias: 'seed_live',
  controls: [
    { name: 'seed_ref', label: 'reference seed', kind: 'seed' },
    { name: 'seed_live', label: 'live seed', kind: 'seed' },
    { name: 'drift', label: 'live drift (days)', kind: 'drift', min: -90, max: 360 },
    { name: 'column', label: 'feature', kind: 'select', options: COLUMNS },
    { name: 'rows', label: 'sample size n', kind: 'int', min: 50, max: 20000, step: 50 },
    { name: 'alpha', label: 'alpha', kind: 'range', min: 0.0005, max: 0.2, step: 0.0005, live: true },
    { name: 'correction', label: 'correction across 3 features', kind: 'select', options: CORRECTIONS },
    { name: 'trials', label: 'simulated checks', kind: 'int', min: 50, max: 5000, step: 50 },
    { name: 'sim_seed', label: 'simulation seed', kind: 'seed' },
    { name: 'small_drift', label: 'small drift for the n sweep', kind: 'drift', min: -30, max: 30 },
    { name: 'fa_cost', label: 'price of one false alarm', kind: 'int', min: 0, max: 10000, step: 1 },
    { name: 'stale_cost', label: 'price of one week of a stale model', kind: 'int', min: 0, max: 10000, step: 1 },
    { name: 'unnoticed', label: 'weeks a drift goes unnoticed without the trigger', kind: 'int', min: 1, max: 52, step: 1 },
    { name: 'cost_drift', label: 'drift you care about (days)', kind: 'drift', min: -90, max: 360 },
    codeControl('trigger_py', 'your trigger (Python)'),
  ],
  mount(root, ctx) {
    spareEngine(); // warm the second worker: the trial experiments split across both
    const { engine, values: v } = ctx;

    // ---- A. one check: reference vs live
    const d = result('KS statistic D', 'ks-d');
    const p = result('p-value', 'ks-p');
    const method = result('method', 'ks-method');
    const verdict = result('trigger', 'ks-verdict');
    const ecdf = chartFigure('Reference and live ECDFs; the red rule is the largest gap D.', 'ecdf-chart');
    const errA = h('p', { class: 'error', role: 'alert' });
    let seqA = 0;
    async function check() {
      const my = ++seqA;
      try {
        const r = await engine.call('ksSamples', [
          { seed: v.seed_ref, drift: '0.0', rows: v.rows },
          { seed: v.seed_live, drift: v.drift, rows: v.rows }, v.column, v.alpha]);
        if (my !== seqA) return;
        errA.textContent = '';
        d.setNum(r.statistic);
        p.setNum(r.pvalue, fmt.p);
        method.set(r.method);
        // The retraining gate decides (the core's RetrainGate at this alpha); the page words it.
        verdict.set(r.retrain ? `retrain (p = ${fmtP(r.pvalue)} < ${r.alpha})` : `no alarm (p = ${fmtP(r.pvalue)} ≥ ${r.alpha})`);
        ctx.announce(`D = ${r.statistic.toFixed(4)}, p = ${fmtP(r.pvalue)}: ${r.retrain ? 'retrain' : 'no alarm'}`);
        const ref = ecdfPoints(r.a);
        const live = ecdfPoints(r.b);
        const x = r.location;
        const fa = ecdfAt(r.a, x);
        const fb = ecdfAt(r.b, x);
        const q = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1].map((t) => r.a[Math.min(r.a.length - 1, Math.floor(t * (r.a.length - 1)))]);
        await ecdf.update({
          label: `ECDFs of ${v.column}: reference and live; the largest gap D = ${fmt.num(r.statistic)} at ${fmt.num(x)}`,
          draw: (Plot, width) => Plot.plot({
            width, height: 280, style: baseStyle, marginLeft: 44,
            x: { label: v.column }, y: { label: 'fraction ≤ x', domain: [0, 1], grid: true },
            marks: [
              Plot.line(ref, { x: 'x', y: 'y', curve: 'step-after', stroke: 'var(--ref)', strokeWidth: 2 }),
              Plot.line(live, { x: 'x', y: 'y', curve: 'step-after', stroke: 'var(--live)', strokeWidth: 2, strokeDasharray: '5,3' }),
              Plot.ruleX([x], { y1: Math.min(fa, fb), y2: Math.max(fa, fb), stroke: 'var(--gap)', strokeWidth: 3 }),
              // labels in the frame's empty corners, never on a curve (an ECDF starts low at the left and ends at 1 on the right)
              Plot.text([`D = ${fmt.num(r.statistic)} at ${fmt.num(x)}`], { frameAnchor: 'top-left', dx: 6, dy: 6, fill: 'var(--gap)', textAnchor: 'start' }),
              Plot.text(['reference (solid) · live (dashed)'], { frameAnchor: 'bottom-right', dx: -6, dy: -6, fill: 'currentColor', textAnchor: 'end' }),
            ],
          }),
          columns: ['reference quantile', 'value', 'reference ECDF', 'live ECDF'],
          rows: q.map((val, i) => [['min', '10 %', '25 %', 'median', '75 %', '90 %', 'max'][i], fmt.num(val),
            ecdfAt(r.a, val).toFixed(4), ecdfAt(r.b, val).toFixed(4)]).concat([['gap D at', fmt.num(x), fa.toFixed(4), fb.toFixed(4)]]),
        });
      } catch (e) {
        if (my === seqA) errA.textContent = `The core refused these parameters: ${e.message}`;
      }
    }

    const partA = h('section', { class: 'cell', 'aria-labelledby': 'ex2-a' },
      h('h3', { id: 'ex2-a', text: 'One check: reference against live' }),
      h('div', { class: 'prose' }, ctx.section('One check')),
      ctx.controls('Data', ['seed_ref', 'seed_live', 'drift', 'column', 'rows', 'alpha']),
      errA, h('div', { class: 'grid2' }, h('div', {}, d.el, p.el, method.el, verdict.el), ecdf.el));

    root.append(partA);

    // ---- B. false alarms under no drift
    const { jobs, run } = jobRunner();
    const base = () => ({ n: v.rows, alpha: v.alpha, seed: v.sim_seed, correction: v.correction });

    const faProg = progress('false-alarm simulation');
    const faRate = result('observed false-alarm rate (any feature)', 'fa-rate');
    const faCI = result('95 % exact interval', 'fa-ci');
    const faAlpha = result('alpha, as set', 'fa-alpha');
    const SIM_INPUTS = ['rows', 'alpha', 'correction', 'trials', 'sim_seed'];
    const faStale = staleMarker(ctx, SIM_INPUTS);
    const faYear = result('false alarms in a year of weekly checks', 'fa-year');
    const faTable = h('div');
    const errB = h('p', { class: 'error', role: 'alert' });
    const faButton = h('button', { type: 'button', text: 'Run the no-drift checks', onclick: () => falseAlarms() });
    async function falseAlarms() {
      try {
        const r = await run(faButton, faProg, (onProgress, signal) => engine.call('driftTrials',
          [{ ...base(), drift: '0', trials: v.trials }], { onProgress, signal }));
        errB.textContent = '';
        // Rates and their 95 % exact intervals come from the core (alarm_rate, feature_alarm_rates).
        const rate = r.alarm_rate.rate;
        faRate.set(`${r.alarms} / ${r.trials} = ${pct(rate)}`);
        faCI.set(`${pct(r.alarm_rate.lo)} – ${pct(r.alarm_rate.hi)}`);
        faAlpha.set(v.correction === 'none' ? `${pct(v.alpha)} for each feature (no correction)`
          : `${pct(v.alpha)} for the trigger as a whole (${v.correction === 'bh' ? 'Benjamini–Hochberg' : 'Bonferroni'})`);
        faYear.set(fmt.num(r.alarms_per_year)); // the core's: a year of weekly checks at this rate
        faTable.replaceChildren(table(['feature', 'false alarms', 'rate', '95 % exact interval'],
          FEATURE_ORDER.map((f, i) => {
            const q = r.feature_alarm_rates[i];
            return [f, String(q.count), pct(q.rate), `${pct(q.lo)} – ${pct(q.hi)}`];
          }), { caption: `False alarms per feature, simulated (alpha ${v.alpha}, ${v.correction === 'none' ? 'no correction' : v.correction})` }));
        faStale.fresh();
        ctx.announce(`False alarms: ${r.alarms} of ${r.trials} checks, ${pct(rate)}`);
      } catch (e) {
        if (!e.cancelled) errB.textContent = `Simulation failed: ${e.message}`;
      }
    }
    const partB = h('section', { class: 'cell', 'aria-labelledby': 'ex2-b' },
      h('h3', { id: 'ex2-b', text: 'How often does it cry wolf?' }),
      h('div', { class: 'prose' }, ctx.section('False alarms')),
      ctx.controls('Simulation', ['trials', 'correction', 'sim_seed']),
      h('div', { class: 'row' }, faButton, faProg.el), errB,
      faStale.note, faRate.el, faCI.el, faAlpha.el, faYear.el, faTable);

    // ---- C. power curve
    const pwProg = progress('power curve');
    const pwChart = chartFigure('Share of checks that raise an alarm, by size of the drift.', 'power-chart');
    const pwButton = h('button', { type: 'button', text: 'Draw the power curve', onclick: () => power() });
    const pwStale = staleMarker(ctx, SIM_INPUTS);
    const errC = h('p', { class: 'error', role: 'alert' });
    async function power() {
      try {
        const trials = Math.min(v.trials, engine.limits.sweep_trials.drift); // the core's limit per drift
        const rows = await run(pwButton, pwProg, (onProgress, signal) => engine.call('driftSweep',
          [{ base: { ...base(), trials }, key: 'drift', values: POWER_DRIFTS }], { onProgress, signal }));
        errC.textContent = '';
        const data = rows.map((r) => ({ drift: Number(r.drift), rate: r.alarm_rate.rate, lo: r.alarm_rate.lo,
          hi: r.alarm_rate.hi, alarms: r.alarms, trials: r.trials }));
        await pwChart.update({
          label: `Power curve: detection rate by drift, n = ${v.rows}, alpha = ${v.alpha}`,
          draw: (Plot, width) => Plot.plot({
            width, height: 240, style: baseStyle, marginLeft: 44,
            x: { label: 'drift (days)' }, y: { label: 'alarm rate', domain: [0, 1], grid: true, percent: false },
            marks: [
              Plot.ruleY([v.alpha], { stroke: 'var(--muted)', strokeDasharray: '3,3' }),
              Plot.ruleX(data, { x: 'drift', y1: 'lo', y2: 'hi', stroke: 'var(--ref)' }),
              Plot.line(data, { x: 'drift', y: 'rate', stroke: 'var(--ref)' }),
              Plot.dot(data, { x: 'drift', y: 'rate', fill: 'var(--ref)' }),
            ],
          }),
          columns: ['drift (days)', 'alarms', 'checks', 'rate', '95 % interval'],
          rows: data.map((r) => [String(r.drift), String(r.alarms), String(r.trials), pct(r.rate), `${pct(r.lo)} – ${pct(r.hi)}`]),
        });
        pwStale.fresh();
        ctx.announce(`Power curve drawn: at ${POWER_DRIFTS.at(-1)} days the alarm rate is ${pct(data.at(-1).rate)}`);
      } catch (e) {
        if (!e.cancelled) errC.textContent = `Simulation failed: ${e.message}`;
      }
    }
    const partC = h('section', { class: 'cell', 'aria-labelledby': 'ex2-c' },
      h('h3', { id: 'ex2-c', text: 'How big a drift does it catch?' }),
      h('div', { class: 'prose' }, ctx.section('Power')),
      h('div', { class: 'row' }, pwButton, pwProg.el), errC, pwStale.note, pwChart.el);

    // ---- D. the large-sample effect
    const lsProg = progress('sample-size sweep');
    const lsChart = chartFigure('Alarm rate for the same small drift as the samples grow.', 'size-chart');
    const lsButton = h('button', { type: 'button', text: 'Sweep the sample size', onclick: () => sizes() });
    const lsStale = staleMarker(ctx, ['alpha', 'correction', 'trials', 'sim_seed', 'small_drift']);
    const errD = h('p', { class: 'error', role: 'alert' });
    async function sizes() {
      try {
        const trials = Math.min(v.trials, engine.limits.sweep_trials.n); // the core's limit per n
        const rows = await run(lsButton, lsProg, (onProgress, signal) => engine.call('driftSweep',
          [{ base: { ...base(), drift: v.small_drift, trials }, key: 'n', values: SIZES }], { onProgress, signal }));
        errD.textContent = '';
        const data = rows.map((r) => ({ n: r.n, rate: r.alarm_rate.rate, alarms: r.alarms, trials: r.trials }));
        await lsChart.update({
          label: `Alarm rate for a drift of ${v.small_drift} days by sample size`,
          draw: (Plot, width) => Plot.plot({
            width, height: 240, style: baseStyle, marginLeft: 44,
            x: { label: 'sample size n', type: 'log' }, y: { label: 'alarm rate', domain: [0, 1], grid: true },
            marks: [Plot.line(data, { x: 'n', y: 'rate', stroke: 'var(--live)' }), Plot.dot(data, { x: 'n', y: 'rate', fill: 'var(--live)' })],
          }),
          columns: ['n', 'alarms', 'checks', 'rate'],
          rows: data.map((r) => [String(r.n), String(r.alarms), String(r.trials), pct(r.rate)]),
        });
        lsStale.fresh();
      } catch (e) {
        if (!e.cancelled) errD.textContent = `Simulation failed: ${e.message}`;
      }
    }
    const partD = h('section', { class: 'cell', 'aria-labelledby': 'ex2-d' },
      h('h3', { id: 'ex2-d', text: 'The large-sample effect' }),
      h('div', { class: 'prose' }, ctx.section('Large samples')),
      ctx.controls('Sweep', ['small_drift']),
      h('div', { class: 'row' }, lsButton, lsProg.el), errD, lsStale.note, lsChart.el);

    // ---- F. what the trigger costs: the same simulated checks priced at every alpha and correction
    const coProg = progress('pricing the trigger');
    const coChart = chartFigure('Yearly cost of the trigger by alpha, one line per correction; the dashed line is the cost of having no trigger.', 'cost-chart');
    const coNow = h('div', { 'data-testid': 'cost-now', 'aria-live': 'polite' });
    const coButton = h('button', { type: 'button', text: 'Price the trigger', onclick: () => costs() });
    const errF = h('p', { class: 'error', role: 'alert' });
    const coStale = staleMarker(ctx, ['rows', 'alpha', 'correction', 'trials', 'sim_seed', 'fa_cost', 'stale_cost', 'unnoticed', 'cost_drift']);
    const corrLabel = (c) => ({ none: 'no correction', bonferroni: 'Bonferroni', bh: 'Benjamini–Hochberg' })[c] ?? c;
    // The core's break-even rate is a rate only inside [0, 1]: past 1 the trigger pays for itself
    // even if every check raised a false alarm (a rate of "112 %" said nothing a reader could use).
    const breakEven = (r) => (r >= 1 ? 'any rate' : pct(Math.max(0, r)));
    async function costs() {
      try {
        const r = await run(coButton, coProg, async (onProgress, signal) => {
          const total = 2 * v.trials;
          const sim = { n: v.rows, alpha: v.alpha, seed: v.sim_seed, correction: 'none', trials: v.trials };
          const a = await engine.call('driftTrials', [{ ...sim, drift: '0' }], { signal, onProgress: (x) => onProgress({ done: x.done, total }) });
          const b = await engine.call('driftTrials', [{ ...sim, drift: v.cost_drift }],
            { signal, onProgress: (x) => onProgress({ done: v.trials + x.done, total }) });
          const alphas = COST_ALPHAS.includes(v.alpha) ? COST_ALPHAS : [...COST_ALPHAS, v.alpha].sort((x, y) => x - y);
          return engine.call('triggerCosts', [{ null_pvalues: Array.from(a.pvalues), drift_pvalues: Array.from(b.pvalues), alphas,
            false_alarm_cost: v.fa_cost, stale_week_cost: v.stale_cost, unnoticed_weeks: v.unnoticed, drifts: 1 }]);
        });
        errF.textContent = '';
        const data = r.map((x) => ({ ...x, label: corrLabel(x.correction) }));
        const without = data[0].cost_without;
        await coChart.update({
          label: `Yearly cost by alpha and correction; no trigger costs ${fmt.num(without)}`,
          draw: (Plot, width) => Plot.plot({
            width, height: 260, style: baseStyle, marginLeft: 52,
            // alphas as the controls write them ("0.01"), not with SI prefixes ("10m": milli, read as minutes or millions)
            x: { label: 'alpha', type: 'log', ticks: [0.001, 0.01, 0.1], tickFormat: fmt.num }, y: { label: 'yearly cost', grid: true, zero: true },
            color: { legend: true },
            marks: [
              Plot.ruleY([without], { stroke: 'var(--muted)', strokeDasharray: '4,3' }),
              Plot.text([{ x: COST_ALPHAS.at(-1), y: without }], { x: 'x', y: 'y', text: () => 'no trigger (break-even)', dy: -6, textAnchor: 'end', fill: 'currentColor' }), // at the right: the y label is at the top left
              Plot.line(data, { x: 'alpha', y: 'cost', stroke: 'label' }),
              Plot.dot(data, { x: 'alpha', y: 'cost', fill: 'label' }),
            ],
          }),
          columns: ['correction', 'alpha', 'false-alarm rate', 'false alarms a year', 'detection rate', 'weeks a drift goes unnoticed', 'yearly cost', 'break-even false-alarm rate'],
          rows: data.map((x) => [x.label, String(x.alpha), pct(x.false_alarm_rate), fmt.num(x.false_alarms), pct(x.detection_rate),
            fmt.num(x.stale_weeks), fmt.num(x.cost), x.break_even_rate === null ? '—' : breakEven(x.break_even_rate)]),
        });
        const mine = data.find((x) => x.correction === v.correction && x.alpha === v.alpha);
        if (mine) {
          const worth = mine.worth_it;
          coNow.replaceChildren(h('p', { class: worth ? 'ok' : 'fail', 'data-testid': 'cost-verdict',
            text: `Your setting (alpha ${v.alpha}, ${mine.label}): ${fmt.num(mine.false_alarms)} false alarms a year, a drift of ${v.cost_drift} days unnoticed for ${fmt.num(mine.stale_weeks)} weeks on average; `
              + `yearly cost ${fmt.num(mine.cost)} against ${fmt.num(without)} without a trigger. `
              + (mine.break_even_rate === null ? 'False alarms are free at these prices.'
                : mine.break_even_rate >= 1
                  ? `It would stay worth having even if every check raised a false alarm (now ${pct(mine.false_alarm_rate)}): ${worth ? 'worth it' : 'more trouble than it is worth'}.`
                  : `It stays worth having while its false-alarm rate is below ${breakEven(mine.break_even_rate)} (now ${pct(mine.false_alarm_rate)}): ${worth ? 'worth it' : 'more trouble than it is worth'}.`) }));
        }
        coStale.fresh();
        ctx.announce(coNow.textContent || 'The trigger is priced.');
      } catch (e) {
        if (!e.cancelled) errF.textContent = `Pricing failed: ${e.message}`;
      }
    }
    const partF = h('section', { class: 'cell', 'aria-labelledby': 'ex2-f' },
      h('h3', { id: 'ex2-f', text: 'Is the trigger worth it?' }),
      h('div', { class: 'prose' }, ctx.section('What it costs')),
      ctx.controls('Prices', ['fa_cost', 'stale_cost', 'unnoticed', 'cost_drift']),
      h('div', { class: 'row' }, coButton, coProg.el), errF, coStale.note, coNow, coChart.el);

    // ---- E. the challenge
    const chProg = progress('challenge check');
    const chOut = h('div', { 'data-testid': 'challenge-result', 'aria-live': 'polite' });
    const chButton = h('button', { type: 'button', text: 'Check my trigger', onclick: () => challenge() });
    const chStale = staleMarker(ctx, ['rows', 'correction']);
    async function challenge() {
      try {
        // The goals and the grade are the core's (exercises::TriggerChallenge): it counts the alarms
        // from the p-values at its own alpha with the reader's correction; the page runs the trials
        // with the reader's n and words the verdicts.
        const C = (await engine.call('challenges')).trigger;
        const sim = { n: v.rows, alpha: C.max_false_rate, seed: C.seed, correction: v.correction };
        const r = await run(chButton, chProg, async (onProgress, signal) => {
          const total = C.null_trials + C.drift_trials;
          const a = await engine.call('driftTrials', [{ ...sim, drift: '0', trials: C.null_trials }],
            { signal, onProgress: (x) => onProgress({ done: x.done, total }) });
          const b = await engine.call('driftTrials', [{ ...sim, drift: C.drift, trials: C.drift_trials }],
            { signal, onProgress: (x) => onProgress({ done: C.null_trials + x.done, total }) });
          return engine.call('gradeTriggerChallenge', [{ null: a, drifted: b, correction: v.correction }]);
        });
        const { false_alarms: fa, detections: det } = r;
        const [ok1, ok2, pass] = [r.false_alarms_ok, r.detections_ok, r.pass];
        const how = `alpha ${C.max_false_rate}, ${corrLabel(r.correction)}, n = ${v.rows}`;
        chOut.replaceChildren(
          h('p', { class: ok1 ? 'ok' : 'fail', 'data-testid': 'challenge-fa' },
            `${ok1 ? '✓' : '✗'} false alarms (${how}): ${fa.count} of ${fa.total} no-drift checks (${pct(fa.rate)}; the promise is at most ${pct(C.max_false_rate)}, any of the three features)`),
          h('p', { class: ok2 ? 'ok' : 'fail', 'data-testid': 'challenge-power' },
            `${ok2 ? '✓' : '✗'} a ${C.drift}-day drift: ${det.count} of ${det.total} first checks alarm (${pct(det.rate)}; goal ≥ ${pct(C.min_detection)})`),
          h('p', { class: pass ? 'ok' : 'fail', 'data-testid': 'challenge-verdict',
            text: pass ? 'Challenge met.' : `Not yet: ${ok1 ? 'too many drifts slip through; more rows buy detections back' : 'three features share one false-alarm budget; alpha is fixed by the promise'}.` }));
        root.dataset.challenge = pass ? 'pass' : 'fail';
        chStale.fresh();
        ctx.announce(pass ? 'Challenge met.' : 'Challenge not met yet.');
      } catch (e) {
        if (!e.cancelled) chOut.replaceChildren(h('p', { class: 'error', text: `Check failed: ${e.message}` }));
      }
    }
    const partE = h('section', { class: 'cell challenge', 'aria-labelledby': 'ex2-e' },
      h('h3', { id: 'ex2-e', text: 'Challenge' }),
      h('div', { class: 'prose' }, ctx.section('Challenge')),
      h('div', { class: 'row' }, chButton, chProg.el), chStale.note, chOut,
      h('details', { class: 'hints' }, h('summary', { text: 'Hints' }), ctx.section('Hints')));

    // ---- G. the trigger in Python: graded on the challenge's checks (the core's), and in a year of the loop
    const own = learnerSection(ctx, {
      kind: 'trigger',
      control: 'trigger_py',
      intro: [h('p', { text: 'Write the check yourself: should_retrain gets the reference sample and this week\'s live sample (each a dict of the three columns, lists of floats) and returns True to retrain, or (True, "why"). The starter is the built-in trigger in Python. Run it and the engine grades it beside the built-in trigger (alpha and correction as set above) on the challenge\'s checks, without drift and with a small drift, then runs a year of the loop with it.' })],
      grade: async () => {
        const C = (await engine.call('challenges')).trigger;
        return ['gradeLearnerTrigger', { n: v.rows, alpha: v.alpha, correction: v.correction, seed: C.seed,
          null_trials: C.null_trials, drift: C.drift, drift_trials: C.drift_trials },
        `Grading your trigger on ${(C.null_trials + C.drift_trials).toLocaleString('en-US')} checks`, C];
      },
      show: showTrigger,
      year: (sources) => ({ ...sources, weeks: 52, seed: 0, schedule: 'step', alpha: v.alpha, correction: v.correction }),
    });

    root.append(partB, partC, partD, ...(engine.has('triggerCosts') ? [partF] : []), partE, own.el, h('div', { class: 'prose try' }, ctx.section('Try this')));
    check();
    ctx.onChange((name) => { if (['seed_ref', 'seed_live', 'drift', 'column', 'rows', 'alpha'].includes(name)) check(); });
    return () => { seqA++; for (const j of jobs) j.abort(); own.unmount(); };
  },
};
