// Shared views of the loop's Timeline (the core's `runLoop` result; field names as in
// src/orchestrator/): parameters from panel values, the run in the worker with a progress line,
// the AUC and p-value charts with decisions marked, the week table, and one week in detail.
// Every number shown is a field of the timeline, as text.
import { h, table } from './ui.js';
import { fmt, pyExp } from './format.js';
import { baseStyle } from './charts.js';

export const SCHEDULES = [
  { value: 'none', label: 'none (no drift)' },
  { value: 'step', label: 'step (+10 days from week 12)' },
  { value: 'gradual', label: 'gradual (+0.5 day a week)' },
  { value: 'seasonal', label: 'seasonal (8 · sin, 52-week period)' },
  { value: 'broken_feature', label: 'broken feature (spend ×100 in weeks 20–39)' },
];

export const PRACTICES = [
  { name: 'monitoring', label: 'drift monitoring (gate 1)' },
  { name: 'promotion_gate', label: 'promotion gate (gate 2)' },
  { name: 'canary', label: 'canary rollout' },
  { name: 'rollback', label: 'rollback (canary aborts, post-promotion check)' },
  { name: 'seeded_training', label: 'seeded, recorded training' },
  { name: 'validation', label: 'data validation (schema, ranges, broken feature)' },
];

export const FEATURES = ['spend_per_active_day', 'is_recent', 'days_since_login'];

/** A loop seed from its text: a JS number when exact, else an error naming the value. */
export function loopSeed(text) {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`seed = ${text}: the loop in the browser takes seeds up to ${Number.MAX_SAFE_INTEGER}`);
  return n;
}

/**
 * runLoop params from a panel's values: only the keys the panel has; the core fills every other
 * one from `LoopParams::default` (a practice the panel does not show stays on).
 */
export function loopParams(v, practicesOff = []) {
  const p = {};
  for (const k of ['weeks', 'schedule', 'rows_per_week', 'alpha', 'margin']) if (v[k] !== undefined) p[k] = v[k];
  if (v.seed !== undefined) p.seed = loopSeed(v.seed);
  p.practices = Object.fromEntries(PRACTICES.filter((x) => v[x.name] !== undefined).map((x) => [x.name, v[x.name]]));
  for (const off of practicesOff) p.practices[off] = false;
  return p;
}

/**
 * runLoop in the worker with an indeterminate progress line (one call: the worker cannot report
 * its inner weeks, so the line shows the elapsed time).
 */
export async function runLoop(engine, params, prog, label = 'running the loop') {
  const t0 = performance.now();
  prog?.start?.();
  const timer = prog ? setInterval(() => prog.text?.(`${label}… ${((performance.now() - t0) / 1000).toFixed(1)} s`), 100) : null;
  try {
    return await engine.call('runLoop', [params]);
  } finally {
    clearInterval(timer);
    prog?.done?.();
  }
}

/** A progress line for one long call: an indeterminate <progress> and a text. */
export function busyLine(label) {
  const bar = h('progress', { 'aria-label': label });
  const txt = h('span', { class: 'progress-text' });
  const el = h('div', { class: 'progress', hidden: true, role: 'status' }, bar, txt);
  return {
    el,
    start() { el.hidden = false; txt.textContent = `${label}…`; },
    text(t) { txt.textContent = t; },
    done() { el.hidden = true; },
  };
}

/** The smallest of a week's three KS p-values, or null without monitoring. */
export const minP = (w) => (w.drift ? Math.min(...w.drift.pvalues) : null);

/** A decision's verdict (the core's `Verdict`: a tag plus its fields) in words. */
export const verdictText = (d) => `${d.verdict.replaceAll('_', ' ')}${d.weight != null ? ` ${d.weight} %` : ''}`;

/**
 * A decision's kind and verdict in words; the kind once when the verdict is named as it is
 * ("canary start 10 %", not "canary start: canary start 10 %").
 */
export const kindVerdictText = (d) => (d.verdict === d.kind ? verdictText(d) : `${d.kind.replaceAll('_', ' ')}: ${verdictText(d)}`);

/** A decision as one line of text. */
export const decisionText = (d) => `${kindVerdictText(d)}${d.version ? ` (v${d.version})` : ''}`;

/** The decisions worth a mark on the chart (keep/wait/pause weeks are not marked). */
export function markedEvents(t) {
  const out = [];
  for (const w of t.weeks) {
    for (const d of w.decisions) {
      let what = null;
      if (d.kind === 'retrain_gate' && d.verdict === 'retrain') what = 'retrain';
      else if (d.kind === 'promotion_gate' && d.verdict === 'reject') what = 'candidate rejected';
      else if (d.kind === 'promotion' || (d.kind === 'canary_analysis' && d.verdict === 'promote')) what = 'promotion';
      else if (d.kind === 'canary_analysis' && d.verdict === 'abort') what = 'canary aborted';
      else if (d.kind === 'canary_analysis' && d.verdict === 'advance_anyway') what = 'failed canary kept';
      else if (d.kind === 'rollback_check' && d.verdict === 'rollback') what = 'rollback';
      else if (d.kind === 'rollback_check' && d.verdict === 'keep_rollback_off') what = 'regression kept';
      else if (d.kind === 'validation') what = d.verdict === 'quarantine' ? 'batch quarantined' : 'candidate refused';
      if (what) out.push({ week: w.week, what, auc: w.auc, text: decisionText(d) });
    }
  }
  return out;
}

const SYMBOLS = { retrain: 'triangle', 'candidate rejected': 'times', promotion: 'star', 'canary aborted': 'square', 'failed canary kept': 'diamond', rollback: 'circle', 'regression kept': 'diamond2', 'batch quarantined': 'plus', 'candidate refused': 'asterisk' };

/**
 * Lanes for the decision markers so that no two overlap at this width: markers closer than `gapPx`
 * on the x axis go to the next lane up (greedy, in week order).
 */
export function markerLanes(events, pxPerWeek, gapPx = 14) {
  const minWeeks = gapPx / Math.max(pxPerWeek, 1e-9);
  const last = [];
  return events.map((e) => {
    let lane = last.findIndex((w) => e.week - w >= minWeeks);
    if (lane < 0) lane = last.length;
    last[lane] = e.week;
    return { ...e, lane };
  });
}

/**
 * The weekly AUC, with the decisions as markers in a strip above it (one lane per overlap, so
 * markers never hide each other) and the chosen week as a rule across both. Returns the parts of
 * a stacked chart for `chartFigure` (charts.js), or the one plot when there is no decision.
 */
export function aucPlot(Plot, width, t, { week = null, compare = null, height = 220 } = {}) {
  const pts = t.weeks.filter((w) => w.auc !== null).map((w) => ({ week: w.week, auc: w.auc, run: compare ? compare.name : 'AUC' }));
  const cmp = compare ? compare.timeline.weeks.filter((w) => w.auc !== null).map((w) => ({ week: w.week, auc: w.auc, run: compare.other })) : [];
  const all = [...pts, ...cmp];
  const lo = Math.min(t.summary.auc_threshold, ...all.map((d) => d.auc));
  const hi = Math.max(...all.map((d) => d.auc), t.summary.auc_threshold);
  const pad = Math.max(hi - lo, 0.01) * 0.06;
  const margins = { marginLeft: 50, marginRight: 14 };
  const xDomain = [0, Math.max(1, t.weeks.length - 1)];
  const pxPerWeek = (width - margins.marginLeft - margins.marginRight) / (xDomain[1] - xDomain[0]);
  const ev = markerLanes(markedEvents(t), pxPerWeek);
  const lanes = ev.reduce((m, e) => Math.max(m, e.lane + 1), 0);
  const kinds = Object.keys(SYMBOLS).filter((k) => ev.some((e) => e.what === k));
  const weekRule = (extra) => (week !== null ? Plot.ruleX([week], { stroke: 'var(--gap)', strokeWidth: 1.5, ...extra }) : null);
  const strip = () => Plot.plot({
    width, height: 30 + lanes * 16, style: baseStyle, ...margins, marginTop: 6, marginBottom: 4,
    x: { domain: xDomain, axis: null },
    y: { domain: [-0.6, lanes - 0.4], axis: null },
    symbol: { legend: true, domain: kinds, range: kinds.map((k) => SYMBOLS[k]) },
    marks: [
      Plot.frame({ stroke: 'var(--border)', anchor: 'bottom' }),
      weekRule(),
      Plot.dot(ev, { x: 'week', y: 'lane', symbol: 'what', stroke: 'var(--live)', fill: 'var(--bg)', r: 5, strokeWidth: 1.5, title: 'text' }),
    ].filter(Boolean),
  });
  const chart = () => Plot.plot({
    width, height, style: baseStyle, ...margins, marginTop: 26, marginBottom: 40, // each axis label on its own line, clear of the ticks
    x: { label: 'week', domain: xDomain },
    y: { label: 'AUC of the week', domain: [lo - pad, hi + pad], grid: true, tickFormat: (d) => d.toFixed(2) },
    color: compare ? { legend: true, domain: [compare.name, compare.other], range: ['var(--live)', 'var(--ref)'] } : undefined,
    marks: [
      Plot.ruleY([t.summary.auc_threshold], { stroke: 'var(--muted)', strokeDasharray: '3,3' }),
      weekRule(),
      Plot.line(all, { x: 'week', y: 'auc', z: 'run', stroke: compare ? 'run' : 'var(--ref)', strokeWidth: 1.5 }),
    ].filter(Boolean),
  });
  // two parts, each drawn in its own task by chartFigure (charts.js)
  return ev.length ? [strip, chart] : chart();
}

/** Log-scale ticks for [lo, 1]: powers of ten, at most about six of them. */
export function logTicks(lo) {
  const decades = Math.max(1, Math.ceil(-Math.log10(lo)));
  const step = Math.max(1, Math.ceil(decades / 5));
  const ticks = [];
  for (let e = 0; e <= decades; e += step) ticks.push(10 ** -e);
  return ticks;
}

/**
 * The weekly KS p-values per feature (log scale, the axis down to the smallest value drawn), each
 * feature's threshold as gate 1 applied it that week (the core's `levels`: alpha, alpha / 3 with
 * Bonferroni, the step-up level of its rank with Benjamini–Hochberg; dashed, in the feature's
 * colour) and the p-values the correction rejected (dots).
 */
export function pPlot(Plot, width, t, { week = null, height = 200 } = {}) {
  const FLOOR = 1e-300; // a p-value of 0 (underflow) is drawn here; the table says 0
  const data = t.weeks.filter((w) => w.drift).flatMap((w) => w.drift.pvalues.map((p, i) => ({ week: w.week, feature: FEATURES[i],
    p: Math.max(p, FLOOR), level: w.drift.levels[i], rejected: w.drift.rejected[i] })));
  const alarms = t.weeks.filter((w) => w.drift?.alarm).map((w) => ({ week: w.week }));
  const smallest = Math.min(...data.map((d) => Math.min(d.p, d.level)));
  const lo = 10 ** Math.floor(Math.log10(smallest));
  return Plot.plot({
    width, height, style: baseStyle, marginLeft: 50, marginRight: 14, marginTop: 26, marginBottom: 40, // axis labels clear of the ticks
    x: { label: 'week', domain: [0, Math.max(1, t.weeks.length - 1)] },
    y: { label: 'KS p-value', type: 'log', domain: [lo, 1], ticks: logTicks(lo), tickFormat: (d) => (d === 1 ? '1' : pyExp(d, 0)) },
    color: { legend: true, domain: FEATURES, range: ['var(--ref)', 'var(--ok)', 'var(--live)'] },
    marks: [
      Plot.line(data, { x: 'week', y: 'level', z: 'feature', stroke: 'feature', strokeDasharray: '3,3', strokeOpacity: 0.7, curve: 'step' }),
      Plot.tickX(alarms, { x: 'week', stroke: 'var(--gap)', strokeOpacity: 0.35 }),
      week !== null ? Plot.ruleX([week], { stroke: 'var(--gap)', strokeWidth: 1.5 }) : null,
      Plot.line(data, { x: 'week', y: 'p', z: 'feature', stroke: 'feature' }),
      Plot.dot(data.filter((d) => d.rejected), { x: 'week', y: 'p', fill: 'feature', r: 3 }),
    ].filter(Boolean),
  });
}

/** The week table (the charts' text alternative). */
export const weekColumns = ['week', 'live', 'canary', 'drift (days)', 'smallest p', 'alarm', 'AUC', 'decisions'];
export function weekRows(t) {
  return t.weeks.map((w) => [String(w.week), w.live_label, w.canary ? `${w.canary.label} ${w.canary.weight} %` : '—',
    fmt.num(w.drift_days) + (w.broken_feature ? ' (broken feature)' : ''),
    w.drift ? fmt.p(minP(w)) : '—', w.drift ? (w.drift.alarm ? 'yes' : 'no') : '—',
    w.auc === null ? '—' : fmt.auc(w.auc), w.decisions.map(decisionText).join('; ') || '—']);
}

/** A summary field as text: the mean AUC as an AUC, counts and labels as they are. */
const showSummary = (k, v) => (k === 'mean_auc' ? fmt.auc(v) : typeof v === 'number' ? fmt.num(v) : String(v));

/** The summary as a two-column table. */
export function summaryTable(runs) {
  const keys = [['mean_auc', 'mean weekly AUC'], ['weeks_below', 'weeks below the AUC threshold'], ['alarms', 'drift alarms'],
    ['false_alarms', 'false alarms'], ['retrains', 'candidates trained'], ['promotions', 'promotions'],
    ['canary_aborts', 'canaries aborted'], ['rollbacks', 'rollbacks'], ['final_label', 'production at the end'],
    ['registry_events', 'registry events']];
  return table(['', ...runs.map((r) => r.name)], keys.map(([k, label]) => [label, ...runs.map((r) => showSummary(k, r.timeline.summary[k]))]));
}

/** An evidence value as text: AUCs to 4 places, p-values as p-values, other numbers by the page's rule. */
function evidenceValue(k, v) {
  if (typeof v === 'number') return /auc/.test(k) ? fmt.auc(v) : /^p|pvalue|alpha/.test(k) ? fmt.p(v) : fmt.num(v);
  if (Array.isArray(v)) return v.map((x) => evidenceValue(k, x)).join(', ');
  return fmt.text(v);
}

/** A gate's two branches (the core's `Choice` tags) as words. */
export const CHOICE_WORDS = { retrain: 'retrain', keep: 'keep the current model', promote: 'promote', reject: 'reject' };

/** How the road not taken did (the core's `Outcome` tags) as words. */
export const OUTCOME_WORDS = { better: 'better', worse: 'worse', same: 'the same' };

/** A gate decision's counterfactual as the core scored and judged it: the road not taken, over the same future weeks. */
export function counterfactualText(c) {
  const [a, b] = c.weeks;
  const span = a === b ? `week ${a}` : `weeks ${a}–${b}`;
  return `Had the gate decided “${CHOICE_WORDS[c.other]}” instead of “${CHOICE_WORDS[c.chosen]}”, the AUC over ${span} would have been `
    + `${fmt.auc(c.other_auc)} instead of ${fmt.auc(c.chosen_auc)} (${OUTCOME_WORDS[c.outcome]}).`;
}

/**
 * One week in detail: what was live, since when and why (the core's `live_since`), the drift
 * evidence, the AUC, every decision.
 */
export function weekDetail(t, w) {
  const wk = t.weeks[w];
  const { week: since, decided_in: decided, because } = wk.live_since;
  const why = decided === null ? [] : because.map((i) => t.weeks[decided].decisions[i]);
  const dl = h('dl', { class: 'facts' },
    h('dt', { text: 'live (stable) version' }), h('dd', { 'data-testid': 'week-live', text: `${wk.live_label} (v${wk.live_version})` }),
    h('dt', { text: 'live since' }), h('dd', { 'data-testid': 'week-since', text: decided === null ? `week ${since} (the initial model)` : `week ${since}` }),
    decided !== null ? h('dt', { text: 'decided in' }) : null, decided !== null ? h('dd', { 'data-testid': 'week-decided', text: `week ${decided} (a decision takes effect the next week)` }) : null,
    h('dt', { text: 'canary' }), h('dd', { 'data-testid': 'week-canary', text: wk.canary ? `${wk.canary.label} (v${wk.canary.version}) at ${wk.canary.weight} %, ${wk.canary.status}` : 'none' }),
    h('dt', { text: 'drift of days_since_login' }), h('dd', { text: `${fmt.num(wk.drift_days)} days${wk.broken_feature ? '; spend_per_active_day broken upstream' : ''}` }),
    h('dt', { text: 'KS p-values (spend, is_recent, days)' }), h('dd', { 'data-testid': 'week-pvalues', title: wk.drift ? wk.drift.pvalues.join(', ') : null, text: wk.drift ? `${wk.drift.pvalues.map(fmt.p).join(', ')} → ${wk.drift.alarm ? 'alarm' : 'no alarm'} (reference: ${wk.drift.reference})`
      : wk.decisions.some((d) => d.kind === 'validation' && d.verdict === 'quarantine') ? 'not tested: the batch failed data validation (quarantined)' : 'not monitored' }),
    h('dt', { text: 'AUC of this week' }), h('dd', { 'data-testid': 'week-auc', 'data-value': wk.auc ?? null, title: wk.auc ?? null, text: wk.auc === null ? 'labels not in yet' : `${fmt.auc(wk.auc)} (labels arrived in week ${wk.auc_known_week})` }));
  const decision = (d) => h('li', {},
    h('strong', { text: decisionText(d) }), ` — ${d.actor}: ${fmt.text(d.reason)}`,
    d.evidence && Object.keys(d.evidence).length ? h('div', { class: 'evidence', text: `evidence: ${Object.entries(d.evidence).map(([k, v]) => `${k} = ${evidenceValue(k, v)}`).join('; ')}` }) : null,
    d.counterfactual ? h('div', { class: 'evidence counterfactual', 'data-testid': 'counterfactual', text: counterfactualText(d.counterfactual) }) : null);
  return h('div', { class: 'week-detail' }, dl,
    why.length ? h('div', {}, h('h4', { text: `Why ${wk.live_label} is live since week ${since} (decided in week ${decided})` }), h('ul', { 'data-testid': 'week-why' }, why.map(decision))) : null,
    h('h4', { text: `Decisions in week ${w}` }),
    wk.decisions.length ? h('ul', { 'data-testid': 'week-decisions' }, wk.decisions.map(decision))
      : h('p', { 'data-testid': 'week-decisions', text: 'none this week' }));
}
