// The timeline: the core's loop over simulated weeks (`runLoop`, in the worker). Schedule, seed,
// weeks and the practices come from the link; the weekly AUC and the drift p-values are drawn with
// the decisions marked (each chart with its table), and a scrubber (a range input: arrows, Home,
// End) shows for the chosen week what was live, since when, why, and every decision with its evidence.
import { h } from '../ui.js';
import { fmt } from '../format.js';
import { chartFigure } from '../charts.js';
import { SCHEDULES, PRACTICES, loopParams, runLoop, busyLine, aucPlot, pPlot, weekColumns, weekRows, weekDetail, summaryTable, FEATURES } from '../loopview.js';

export const LOOP_CONTROLS = [
  { name: 'schedule', label: 'drift schedule', kind: 'select', options: SCHEDULES },
  { name: 'seed', label: 'seed of the run', kind: 'seed' },
  { name: 'weeks', label: 'weeks', kind: 'int', min: 4, max: 156, step: 1 },
];

export const timeline = {
  id: 'timeline',
  title: 'Timeline',
  controls: [
    ...LOOP_CONTROLS,
    { name: 'alpha', label: 'gate 1 alpha', kind: 'range', min: 0.001, max: 0.1, step: 0.001 },
    { name: 'margin', label: 'gate 2 margin (AUC)', kind: 'range', min: 0, max: 0.05, step: 0.001 },
    ...PRACTICES.map((p) => ({ name: p.name, label: p.label, kind: 'bool' })),
    { name: 'cf_weeks', label: 'weeks each counterfactual is scored on', kind: 'int', min: 0, max: 8, step: 1 },
    { name: 'week', label: 'week shown', kind: 'int', min: 0, max: 519, step: 1, default: 12 },
  ],
  mount(root, ctx) {
    const { engine, values: v } = ctx;
    root.append(h('div', { class: 'prose' }, ctx.section('What you will do')));
    const prog = busyLine('running the loop in the worker');
    const err = h('p', { class: 'error', role: 'alert' });
    const summary = h('div', { 'data-testid': 'timeline-summary' });
    const aucChart = chartFigure('The live model\'s weekly AUC (solid) against the retraining threshold (dashed), with each decision marked above it.', 'timeline-auc');
    const pChart = chartFigure('Each feature\'s weekly KS p-value (log scale) against the threshold gate 1 compared it with that week (dashed, after the correction); dots are the p-values the correction called drift, red ticks the weeks that raised an alarm.', 'timeline-p');
    const scrubId = 'timeline-week';
    const scrub = h('input', { id: scrubId, type: 'range', min: 0, max: Math.max(0, v.weeks - 1), step: 1, value: Math.min(v.week, v.weeks - 1), 'data-testid': 'scrubber' });
    const scrubOut = h('output', { for: scrubId, class: 'control-value', text: String(scrub.value) });
    const detail = h('div', { 'data-testid': 'week-detail', 'aria-live': 'polite' });
    const runBtn = h('button', { type: 'button', text: 'Run the year again', onclick: () => run() });
    let t = null;
    let seq = 0;

    const clampWeek = () => Math.max(0, Math.min(Number(scrub.value), (t?.weeks.length ?? 1) - 1));
    function showWeek(w, { fromScrub = false } = {}) {
      if (!t) return;
      scrubOut.textContent = String(w);
      const wk = t.weeks[w];
      scrub.setAttribute('aria-valuetext', `week ${w}: ${wk.live_label} live, ${wk.decisions.length} decisions`);
      detail.replaceChildren(weekDetail(t, w));
      drawCharts(w);
      if (fromScrub) ctx.set('week', w);
    }
    function drawCharts(w) {
      const rows = t.__rows ??= weekRows(t);
      aucChart.update({
        label: `Weekly AUC over ${t.weeks.length} weeks, ${t.params.schedule.kind} schedule, seed ${t.params.seed}; week ${w} marked`,
        draw: (Plot, width) => aucPlot(Plot, width, t, { week: w }),
        columns: weekColumns, rows, summary: 'Every week as a table',
      });
      const pRows = t.__prows ??= t.weeks.map((x) => [String(x.week),
        ...(x.drift ? x.drift.pvalues.map((p, i) => `${fmt.p(p)} (threshold ${fmt.p(x.drift.levels[i])}${x.drift.rejected[i] ? ', drift' : ''})`) : ['—', '—', '—']),
        x.drift ? (x.drift.alarm ? 'yes' : 'no') : '—']);
      pChart.update({
        label: `KS p-values per feature by week; week ${w} marked`,
        draw: (Plot, width) => pPlot(Plot, width, t, { week: w }),
        columns: ['week', ...FEATURES.map((f) => `p ${f}`), 'alarm'], rows: pRows, summary: 'The p-values as a table',
      });
    }

    async function run() {
      const my = ++seq;
      err.textContent = '';
      root.dataset.state = 'running';
      runBtn.disabled = true;
      try {
        // The core scores each gate decision's other branch over the next cf_weeks weeks.
        const params = { ...loopParams(v), counterfactual_weeks: v.cf_weeks };
        const r = await runLoop(engine, params, prog);
        if (my !== seq) return;
        t = r;
        scrub.max = String(t.weeks.length - 1);
        if (Number(scrub.value) > t.weeks.length - 1) scrub.value = String(t.weeks.length - 1);
        summary.replaceChildren(summaryTable([{ name: 'this run', timeline: t }]));
        showWeek(clampWeek());
        root.dataset.state = 'done';
        ctx.announce(`Loop done: ${t.summary.retrains} retrains, ${t.summary.promotions} promotions, ${t.summary.final_label} live at the end.`);
      } catch (e) {
        if (my !== seq) return;
        err.textContent = `The loop did not run: ${e.message ?? e}`;
        root.dataset.state = 'error';
      } finally {
        if (my === seq) runBtn.disabled = false;
      }
    }

    scrub.addEventListener('input', () => showWeek(clampWeek(), { fromScrub: true }));
    const step = (d) => h('button', { type: 'button', class: 'secondary', 'aria-label': d < 0 ? 'previous week' : 'next week', text: d < 0 ? '◀' : '▶',
      onclick: () => { scrub.value = String(Math.max(0, Math.min(Number(scrub.max), Number(scrub.value) + d))); showWeek(clampWeek(), { fromScrub: true }); } });

    root.append(
      ctx.controls('The simulated world', ['schedule', 'seed', 'weeks']),
      ctx.controls('The gates', ['alpha', 'margin', 'cf_weeks']),
      ctx.controls('Practices', PRACTICES.map((p) => p.name)),
      h('div', { class: 'row' }, runBtn, prog.el), err,
      h('section', { class: 'cell', 'aria-labelledby': 'tl-h' },
        h('h3', { id: 'tl-h', text: 'The year, week by week' }),
        aucChart.el, pChart.el),
      h('section', { class: 'cell scrubber', 'aria-labelledby': 'tl-week-h' },
        h('h3', { id: 'tl-week-h', text: 'One week' }),
        h('div', { class: 'row' }, h('label', { for: scrubId }, 'week ', scrubOut), step(-1), scrub, step(1)),
        detail),
      h('section', { class: 'cell', 'aria-labelledby': 'tl-sum-h' }, h('h3', { id: 'tl-sum-h', text: 'The run in numbers' }), summary),
      h('div', { class: 'prose try' }, ctx.section('Try this')));
    run();
    ctx.onChange((name) => { if (name !== 'week') run(); });
    return () => { seq++; };
  },
};
