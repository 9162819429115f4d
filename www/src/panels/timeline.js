// The timeline: the core's loop over simulated weeks (`runLoop`, in the worker). Schedule, seed,
// weeks and the practices come from the link; the weekly AUC and the drift p-values are drawn with
// the decisions marked (each chart with its table), and a scrubber (a range input: arrows, Home,
// End) shows for the chosen week what was live, since when, why, and every decision with its evidence.
//
// A run with counterfactuals (cf_weeks > 0) costs a candidate fit for nearly every gate decision.
// The year itself does not depend on them (the core's counterfactuals only annotate decisions:
// the timeline without them is the same, field for field), so the panel first asks the worker
// for the year without counterfactuals and draws it, saying that the counterfactuals are still
// coming, then shows the full run when it arrives (the same worker: its fits are the first run's
// plus the roads not taken). data-state is "partial" in between, "done" once the full run is shown.
import { h } from '../ui.js';
import { fmt } from '../format.js';
import { chartFigure, loadPlot } from '../charts.js';
import { SCHEDULES, PRACTICES, loopParams, runLoop, busyLine, aucPlot, pPlot, weekColumns, weekRows, weekDetail, summaryTable, FEATURES } from '../loopview.js';

/**
 * Resolve once the next frame has been drawn (a new task after it), so that what is appended then
 * is drawn in a frame of its own; after 100 ms at most where frames are not drawn (a hidden tab).
 */
const nextFrame = () => new Promise((resolve) => {
  const late = setTimeout(resolve, 100);
  requestAnimationFrame(() => setTimeout(() => { clearTimeout(late); resolve(); }, 0));
});

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
    const cfNote = h('p', { class: 'note', role: 'status', 'data-testid': 'counterfactuals-pending', hidden: true });
    const weekNote = h('p', { class: 'note', role: 'status', 'data-testid': 'week-note', hidden: true });
    let t = null;
    let seq = 0;
    /** Resolves once the whole panel is on the page (see the end of mount): a run is shown only then. */
    let mounted = null;
    /** The parameters of the last full run shown: its fits are in the worker, so a run with the same ones needs no preview. */
    let shownKey = null;
    // Plot (the charts' library) loads while the worker runs the year, not after it.
    loadPlot().catch(() => {});

    const clampWeek = () => Math.max(0, Math.min(Number(scrub.value), (t?.weeks.length ?? 1) - 1));
    function showWeek(w, { fromScrub = false } = {}) {
      if (!t) return;
      scrubOut.textContent = String(w);
      const wk = t.weeks[w];
      scrub.setAttribute('aria-valuetext', `week ${w}: ${wk.live_label} live, ${wk.decisions.length} decisions`);
      detail.replaceChildren(weekDetail(t, w));
      const drawn = drawCharts(w);
      if (fromScrub) ctx.set('week', w);
      return drawn;
    }
    /** Draw both charts at week `w`; resolves once they are drawn. */
    function drawCharts(w) {
      const rows = t.__rows ??= weekRows(t);
      const auc = aucChart.update({
        label: `Weekly AUC over ${t.weeks.length} weeks, ${t.params.schedule.kind} schedule, seed ${t.params.seed}; week ${w} marked`,
        draw: (Plot, width) => aucPlot(Plot, width, t, { week: w }),
        columns: weekColumns, rows, summary: 'Every week as a table',
      });
      const pRows = t.__prows ??= t.weeks.map((x) => [String(x.week),
        ...(x.drift ? x.drift.pvalues.map((p, i) => `${fmt.p(p)} (threshold ${fmt.p(x.drift.levels[i])}${x.drift.rejected[i] ? ', drift' : ''})`) : ['—', '—', '—']),
        x.drift ? (x.drift.alarm ? 'yes' : 'no') : '—']);
      const p = pChart.update({
        label: `KS p-values per feature by week; week ${w} marked`,
        draw: (Plot, width) => pPlot(Plot, width, t, { week: w }),
        columns: ['week', ...FEATURES.map((f) => `p ${f}`), 'alarm'], rows: pRows, summary: 'The p-values as a table',
      });
      return Promise.all([auc, p]);
    }

    /** Show a timeline: the summary, the week chosen and the charts (resolves once they are drawn). */
    async function show(r) {
      await mounted; // set at the end of mount, before any run can answer
      t = r;
      const last = t.weeks.length - 1;
      scrub.max = String(last);
      // A week past the run's end (a link's `week=99` on a 52-week run, or fewer weeks chosen):
      // the last week is shown, the link follows, and the reader is told.
      if (v.week > last) {
        weekNote.textContent = `Week ${v.week} is past this run's last week (weeks 0 to ${last}); showing week ${last}.`;
        weekNote.hidden = false;
        ctx.set('week', last, { fromPanel: true });
      }
      if (Number(scrub.value) > last) scrub.value = String(last);
      summary.replaceChildren(summaryTable([{ name: 'this run', timeline: t }]));
      return showWeek(clampWeek());
    }

    async function run() {
      const my = ++seq;
      err.textContent = '';
      cfNote.hidden = true;
      weekNote.hidden = true;
      root.dataset.state = 'running';
      runBtn.disabled = true;
      try {
        // The core scores each gate decision's other branch over the next cf_weeks weeks.
        const params = { ...loopParams(v), counterfactual_weeks: v.cf_weeks };
        const key = JSON.stringify(params);
        // Both calls are posted at once; the worker answers them in order.
        const preview = v.cf_weeks > 0 && key !== shownKey ? engine.call('runLoop', [{ ...params, counterfactual_weeks: 0 }]) : null;
        const whole = runLoop(engine, params, prog);
        let complete = false;
        whole.then(() => { complete = true; }, () => {});
        if (preview) {
          const year = await preview.catch(() => null); // a failure is the full run's to report
          if (my !== seq) return;
          if (year && !complete) {
            cfNote.textContent = `The year is drawn; the counterfactuals (each gate decision's other branch, scored over the ${v.cf_weeks} weeks after it) are still being computed and will appear in the decisions below.`;
            cfNote.hidden = false;
            await show(year);
            if (my !== seq) return;
            if (!complete) {
              root.dataset.state = 'partial';
              ctx.announce(`Year drawn: ${year.summary.retrains} retrains, ${year.summary.promotions} promotions, ${year.summary.final_label} live at the end; the counterfactuals are still being computed.`);
            }
          }
        }
        const r = await whole;
        if (my !== seq) return;
        await show(r);
        if (my !== seq) return;
        shownKey = key;
        cfNote.hidden = true;
        root.dataset.state = 'done';
        ctx.announce(`Loop done: ${t.summary.retrains} retrains, ${t.summary.promotions} promotions, ${t.summary.final_label} live at the end.`);
      } catch (e) {
        if (my !== seq) return;
        cfNote.hidden = true;
        err.textContent = `The loop did not run: ${e.message ?? e}`;
        root.dataset.state = 'error';
      } finally {
        if (my === seq) runBtn.disabled = false;
      }
    }

    scrub.addEventListener('input', () => { weekNote.hidden = true; showWeek(clampWeek(), { fromScrub: true }); });
    const step = (d) => h('button', { type: 'button', class: 'secondary', 'aria-label': d < 0 ? 'previous week' : 'next week', text: d < 0 ? '◀' : '▶',
      onclick: () => { weekNote.hidden = true; scrub.value = String(Math.max(0, Math.min(Number(scrub.max), Number(scrub.value) + d))); showWeek(clampWeek(), { fromScrub: true }); } });

    // The worker starts on the year now; the panel's controls and sections are built meanwhile,
    // and enter the page over the next two frames: on a cold load the panel mounts in the frame
    // that also draws the navigation, and each new font size costs a fresh renderer a synchronous
    // font lookup, so the frame that drew it all at once was the page's longest task.
    run();
    let left = false;
    mounted = (async () => {
      const controls = [
        ctx.controls('The simulated world', ['schedule', 'seed', 'weeks']),
        ctx.controls('The gates', ['alpha', 'margin', 'cf_weeks']),
        ctx.controls('Practices', PRACTICES.map((p) => p.name)),
        h('div', { class: 'row' }, runBtn, prog.el), err, cfNote];
      const sections = [
        h('section', { class: 'cell offscreen-lazy', 'aria-labelledby': 'tl-h' },
          h('h3', { id: 'tl-h', text: 'The year, week by week' }),
          aucChart.el, pChart.el),
        h('section', { class: 'cell scrubber offscreen-lazy', 'aria-labelledby': 'tl-week-h' },
          h('h3', { id: 'tl-week-h', text: 'One week' }),
          h('div', { class: 'row' }, h('label', { for: scrubId }, 'week ', scrubOut), step(-1), scrub, step(1)),
          weekNote, detail),
        h('section', { class: 'cell offscreen-lazy', 'aria-labelledby': 'tl-sum-h' }, h('h3', { id: 'tl-sum-h', text: 'The run in numbers' }), summary),
        h('div', { class: 'prose try' }, ctx.section('Try this'))];
      await nextFrame();
      if (left) return;
      root.append(...controls);
      await nextFrame();
      if (left) return;
      root.append(...sections);
    })();
    ctx.onChange((name) => { if (name !== 'week') run(); });
    return () => { seq++; left = true; };
  },
};
