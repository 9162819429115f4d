// "Write your own": exercises 2 and 3 in Python. A learner writes `should_retrain` (Ex 2) or
// `should_promote` (Ex 3) in an editor, and the core grades it beside the built-in gate on the
// same simulated checks, and runs a year of the loop with it (docs/learner-code.md).
//
// Nothing of this is in the first load: the editor (CodeMirror, editor.js) and the sandbox (the
// third WASM module in its own worker, sandbox.js) are imported when the learner opens the
// section. The code is kept in this browser (localStorage) and in the page's link (a `code`
// control, base64url, so a teacher can share a gate); the starters come from the core.
import { h, table, pct, debounce } from '../ui.js';
import { fmt } from '../format.js';
import { chartFigure, baseStyle } from '../charts.js';
import { aucPlot, summaryTable, weekColumns, weekRows, verdictText } from '../loopview.js';
import { encodeCode } from '../state.js';

/** Longest code the link carries (base64url characters, about 9 KB of Python). */
export const CODE_LINK_MAX = 12_000;

/** The link control holding a learner's file (never drawn as a form control). */
export const codeControl = (name, label) => ({ name, label, kind: 'code', max: CODE_LINK_MAX, default: '' });

const KINDS = {
  trigger: {
    title: 'Write your own trigger in Python',
    fn: 'should_retrain(reference, live)',
    file: 'trigger.py',
    starter: 'trigger',
    other: 'gate',
  },
  gate: {
    title: 'Write your own gate in Python',
    fn: 'should_promote(y_true, current_scores, candidate_scores)',
    file: 'gate.py',
    starter: 'gate',
    other: 'trigger',
  },
};

const storageKey = (kind) => `mlops-loop:code:${kind}`;

function loadSaved(kind) {
  try {
    return localStorage.getItem(storageKey(kind));
  } catch {
    return null; // storage disabled: the link still carries the code
  }
}

function save(kind, text) {
  try {
    localStorage.setItem(storageKey(kind), text);
    return true;
  } catch {
    return false;
  }
}

const stopped = (e) => Boolean(e?.cancelled);

/** Seconds as the progress line shows them. */
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** A learner's program error as the page shows it: what happened, the traceback, the line. */
function errorView(err) {
  const what = {
    syntax: 'Your file does not parse',
    exception: 'Your code raised an exception',
    limit: 'Your code was stopped by the sandbox',
    contract: 'Your code broke the contract',
  }[err.kind] ?? 'Your code failed';
  const where = err.line ? ` (${err.file}, line ${err.line})` : '';
  return h('div', { class: 'learner-error', role: 'alert', 'data-testid': 'learner-error', 'data-kind': err.kind, 'data-line': err.line ?? '' },
    h('p', { class: 'fail' }, h('strong', { text: `${what}${where}: ` }), err.message),
    err.traceback ? h('pre', { class: 'traceback', 'data-testid': 'traceback', text: err.traceback }) : null);
}

/**
 * The "Write your own" section of an exercise panel.
 * @param {object} ctx the panel's context (app.js)
 * @param {{kind: 'trigger'|'gate', control: string, intro: Array, grade: Function, show: Function, year: Function}} spec
 *   `grade(source)` → [method, params] of the sandbox call; `show(result, out)` presents it;
 *   `year(sources)` → learnerYear params.
 */
export function learnerSection(ctx, spec) {
  const k = KINDS[spec.kind];
  const status = h('p', { class: 'learner-status', role: 'status', 'data-testid': 'learner-status' });
  const editorSlot = h('div', { class: 'learner-editor', 'data-testid': 'learner-editor' });
  const linkNote = h('p', { class: 'note', 'data-testid': 'learner-link-note', hidden: true });
  const out = h('div', { class: 'learner-out', 'data-testid': 'learner-result', 'aria-live': 'polite' });
  const yearOut = h('div', { class: 'learner-out', 'data-testid': 'learner-year' });
  const helpId = `${spec.kind}-code-help`;
  const help = h('p', { id: helpId, class: 'note' },
    `Define ${k.fn} in ${k.file}. Tab indents; press Escape, then Tab, to leave the editor.`);
  const runBtn = h('button', { type: 'button', text: 'Run and grade', 'data-testid': 'learner-run', disabled: true });
  const yearBtn = h('button', { type: 'button', text: 'Run a year with it', 'data-testid': 'learner-year-run', disabled: true });
  const stopBtn = h('button', { type: 'button', text: 'Stop', 'data-testid': 'learner-stop', disabled: true });
  const resetBtn = h('button', { type: 'button', text: 'Back to the starter', 'data-testid': 'learner-reset', disabled: true });
  const details = h('details', { class: 'cell learner', 'data-testid': `learner-${spec.kind}` },
    h('summary', {}, h('h3', { class: 'inline', text: k.title })),
    h('div', { class: 'prose' }, spec.intro), help, editorSlot, linkNote,
    h('div', { class: 'row' }, runBtn, yearBtn, stopBtn, resetBtn), status, out, yearOut);

  let editor = null;
  let sandboxApi = null;
  let starters = null;
  let job = null;
  let opening = null;
  let gone = false;

  // The built-in year of the panel's parameters, run in the sandbox ahead of a click
  // (`warmBuiltinYear`, kept there as learnerYear's): when the editor is ready and whenever the
  // parameters change. The worker answers in order, so a click during a warm-up waits for it and
  // reuses it; one warm-up at a time, then the latest parameters. A refusal is not shown (the
  // learner's run reports it); `data-warm` says where it stands (running, ready, failed).
  let warmed = null; // the JSON of the parameters last warmed, or being warmed
  let warming = false;
  function warm() {
    if (gone || !editor || warming) return;
    const params = spec.year({});
    const key = JSON.stringify(params);
    if (key === warmed) return;
    warmed = key;
    warming = true;
    details.dataset.warm = 'running';
    sandboxApi.callSandbox('warmBuiltinYear', [params])
      .then(() => 'ready', (e) => (stopped(e) ? 'stopped' : 'failed'))
      .then((state) => {
        warming = false;
        if (state === 'stopped') warmed = null; // the worker ended, and its year with it
        else details.dataset.warm = state;
        warm(); // the parameters may have changed meanwhile
      });
  }
  const warmSoon = debounce(warm, 300);
  ctx.onChange(() => warmSoon());

  const setBusy = (busy) => {
    runBtn.disabled = busy || !editor;
    yearBtn.disabled = busy || !editor;
    resetBtn.disabled = busy || !editor;
    stopBtn.disabled = !busy;
  };

  const keep = debounce((text) => {
    const starter = starters[k.starter];
    save(spec.kind, text);
    const value = text === starter ? '' : text;
    const encoded = encodeCode(value).length;
    if (encoded > CODE_LINK_MAX) {
      linkNote.hidden = false;
      linkNote.textContent = `This code is too long for the page's link (${encoded.toLocaleString('en-US')} characters encoded; the limit is ${CODE_LINK_MAX.toLocaleString('en-US')}): it is kept in this browser only.`;
      ctx.set(spec.control, '');
    } else {
      linkNote.hidden = true;
      ctx.set(spec.control, value);
    }
  }, 300);

  async function open() {
    const t0 = performance.now();
    status.textContent = 'Loading the editor and the Python sandbox…';
    const [ed, sb] = await Promise.all([import('../editor.js'), import('../sandbox.js')]);
    sandboxApi = sb;
    starters = await sb.callSandbox('learnerStarters');
    sb.spareSandbox(); // the second worker of the gradings, starting while the reader reads
    sb.spareReady()?.then((up) => { if (up) details.dataset.sandboxes = '2'; });
    const fromLink = ctx.values[spec.control];
    const saved = loadSaved(spec.kind);
    const doc = fromLink || saved || starters[k.starter];
    editor = ed.createEditor(editorSlot, {
      doc, label: `${k.file}: your ${spec.kind} in Python`, describedBy: helpId, onChange: (text) => keep(text),
    });
    editorSlot.dataset.ready = '1';
    setBusy(false);
    const from = fromLink ? 'the code from the link' : saved ? 'the code saved in this browser' : 'the starter (the built-in rule in Python)';
    status.textContent = `Editor ready with ${from} (${secs(performance.now() - t0)}).`;
    details.dataset.ready = '1';
    warm();
  }

  details.addEventListener('toggle', () => {
    if (!details.open || opening) return;
    opening = open().catch((e) => {
      opening = null;
      status.textContent = `The editor failed to load: ${e?.message ?? e}`;
    });
  });

  /** Run one sandbox call with a timer, Stop, and the learner's error marked in the editor. */
  async function run(what, method, args, into, present) {
    if (!editor) return;
    job?.abort();
    const ctl = new AbortController();
    job = ctl;
    setBusy(true);
    editor.mark(null);
    const t0 = performance.now();
    const timer = setInterval(() => { status.textContent = `${what}… ${secs(performance.now() - t0)}`; }, 100);
    status.textContent = `${what}…`;
    try {
      const r = await sandboxApi.callSandbox(method, args, { signal: ctl.signal });
      if (!r.ok) {
        into.replaceChildren(errorView(r.error));
        editor.mark(r.error.line, r.error.message);
        status.textContent = `${what}: stopped by an error after ${secs(performance.now() - t0)}.`;
        ctx.announce(`Error${r.error.line ? ` on line ${r.error.line}` : ''}: ${r.error.message}`);
        return;
      }
      await present(r, into);
      status.textContent = `${what}: done in ${secs(performance.now() - t0)}.`;
    } catch (e) {
      if (stopped(e)) {
        warmed = null; // a fresh worker: warm its year again
        warm();
        delete details.dataset.sandboxes;
        sandboxApi.spareSandbox();
        sandboxApi.spareReady()?.then((up) => { if (up) details.dataset.sandboxes = '2'; });
        // the watchdog's stop (sandbox.js `watch`) says why; a Stop the learner pressed needs no words
        if (e.stalled) into.replaceChildren(h('p', { class: 'error', role: 'alert', 'data-testid': 'sandbox-stalled', text: `The sandbox ${e.message}.` }));
        status.textContent = `Stopped after ${secs(performance.now() - t0)}. The sandbox starts afresh on the next run; the rest of the page was not affected.`;
      } else {
        into.replaceChildren(h('p', { class: 'error', role: 'alert', text: `The sandbox refused this run: ${e.message}` }));
        status.textContent = '';
      }
    } finally {
      clearInterval(timer);
      if (job === ctl) job = null;
      setBusy(false);
    }
  }

  runBtn.addEventListener('click', async () => {
    try {
      const [method, params, what, challenge] = await spec.grade();
      run(what, method, [editor.get(), params], out, (r, into) => spec.show(r, into, challenge));
    } catch (e) {
      out.replaceChildren(h('p', { class: 'error', role: 'alert', text: `The challenge could not be read from the engine: ${e.message}` }));
    }
  });
  yearBtn.addEventListener('click', () => {
    const sources = { [spec.kind]: editor.get() };
    const other = loadSaved(k.other);
    if (other && other !== starters[KINDS[k.other].starter]) sources[k.other] = other;
    run('Running 52 weeks of the loop with your code', 'learnerYear', [spec.year(sources)], yearOut,
      (r, into) => showYear(r, into, sources));
  });
  stopBtn.addEventListener('click', () => job?.abort());
  resetBtn.addEventListener('click', () => {
    editor.set(starters[k.starter]);
    editor.mark(null);
  });

  if (ctx.values[spec.control]) details.open = true;

  return {
    el: details,
    unmount() {
      gone = true;
      job?.abort();
      editor?.destroy();
    },
  };
}

/** The decisions each kind of the learner's code makes in the loop (by kind, not by wording). */
const DECIDES = { trigger: 'retrain_gate', gate: 'promotion_gate' };

/** A year of the loop with the learner's code beside the built-in run. */
async function showYear(r, into, sources) {
  const whose = Object.keys(sources).map((x) => `your ${x}`).join(' and ');
  const runs = [{ name: 'built-in gates', timeline: r.builtin }, { name: whose, timeline: r.learner }];
  const chart = chartFigure(`Weekly AUC over the year: ${whose} (markers: its decisions) beside the built-in gates.`, 'learner-year-chart');
  const mine = new Set(Object.keys(sources).map((x) => DECIDES[x]));
  const reasons = r.learner.weeks.flatMap((w) => w.decisions.filter((d) => mine.has(d.kind))
    .map((d) => [String(w.week), d.kind.replaceAll('_', ' '), verdictText(d), d.reason]));
  into.replaceChildren(
    h('h4', { text: `A year of the loop (${r.learner.params.weeks} weeks, ${r.learner.params.schedule.kind ?? r.learner.params.schedule} drift) with ${whose}` }),
    summaryTable(runs), chart.el,
    reasons.length ? table(['week', 'gate', 'decision', 'reason'], reasons.slice(0, 200),
      { summary: `Your code's decisions (${reasons.length})` }) : null);
  await chart.update({
    label: `Weekly AUC with ${whose} and with the built-in gates`,
    draw: (Plot, width) => aucPlot(Plot, width, r.learner, { compare: { name: whose, other: 'built-in gates', timeline: r.builtin } }),
    columns: weekColumns,
    rows: weekRows(r.learner),
  });
}

/** One line of a challenge: the core's verdict on one goal (✓ or ✗) and what was measured. */
const mark = (ok, testid, text) => h('p', { class: ok ? 'ok' : 'fail', 'data-testid': testid, text: `${ok ? '✓' : '✗'} ${text}` });
/** The challenge's overall verdict, as the core decided it. */
const verdictLine = (pass, yes, no) => h('p', { class: pass ? 'ok' : 'fail', 'data-testid': 'learner-verdict', text: pass ? yes : no });

/**
 * The grade of a trigger: the built-in gate 1 and the learner's, and the challenge's goals
 * (`challenge`: the core's `challenges().trigger`).
 */
export async function showTrigger(r, into, challenge) {
  {
    const row = (name, g, v) => [name, `${g.false_alarms.count} / ${g.false_alarms.total}`,
      `${pct(g.false_alarms.rate)} (${pct(g.false_alarms.lo)} – ${pct(g.false_alarms.hi)})`,
      pct(g.detections.rate), pct(v.caught_within_weeks), g.mean_weeks === null ? '—' : fmt.num(g.mean_weeks),
      String(g.weeks_to_detect.filter((w) => w === null).length)];
    const chart = chartFigure(`Share of the drifted checks caught within w weekly checks (drift of ${challenge.drift} days), your trigger and the built-in one.`, 'learner-trigger-chart');
    const data = [['built-in trigger', r.builtin], ['your trigger', r.learner]].flatMap(([who, g]) =>
      g.caught_by.map((c, i) => ({ who, week: i + 1, share: c / g.detections.total })));
    const g = r.learner;
    const fa = g.false_alarms.rate;
    // the goals are the core's (exercises::TriggerChallenge), and so is the verdict (learner::TriggerGrade::meets)
    const { false_alarms_ok: ok1, caught_ok: ok2, pass, caught_within_weeks: within } = r.learner_verdict;
    into.replaceChildren(
      table(['trigger', 'false alarms', 'false-alarm rate (95 % exact interval)', `detected at the first check`, `caught within ${challenge.weeks} weeks`,
        'mean weeks to detect (caught ones)', `missed after ${g.caught_by.length} weeks`],
      [row('built-in (KS, alpha and correction as set above)', r.builtin, r.builtin_verdict), row('your trigger', g, r.learner_verdict)],
      { caption: `${g.false_alarms.total} no-drift checks and ${g.detections.total} checks with a ${challenge.drift}-day drift, the same for both` }),
      g.reasons[0] ? h('p', { 'data-testid': 'learner-reason' }, h('strong', { text: 'Your reason on the first no-drift check: ' }), g.reasons[0]) : null,
      mark(ok1, 'learner-challenge-fa', `false alarms: ${g.false_alarms.count} of ${g.false_alarms.total} no-drift checks (${pct(fa)}; goal ≤ ${pct(challenge.max_false_rate)})`),
      mark(ok2, 'learner-challenge-power', `a ${challenge.drift}-day drift caught within ${challenge.weeks} weekly checks in ${pct(within)} of the trials (goal ≥ ${pct(challenge.catch_probability)})`),
      verdictLine(pass, 'Your trigger meets the challenge.', 'Your trigger does not meet the challenge yet.'),
      chart.el);
    await chart.update({
      label: 'Drifted checks caught within w weeks, your trigger and the built-in one',
      draw: (Plot, width) => Plot.plot({
        width, height: 220, style: baseStyle, marginLeft: 44,
        x: { label: 'weekly checks', domain: [1, g.caught_by.length] }, y: { label: 'share caught', domain: [0, 1], grid: true },
        color: { legend: true, domain: ['built-in trigger', 'your trigger'], range: ['var(--ref)', 'var(--live)'] },
        marks: [Plot.line(data, { x: 'week', y: 'share', stroke: 'who', curve: 'step-after' }), Plot.dot(data, { x: 'week', y: 'share', fill: 'who' })],
      }),
      columns: ['weekly checks', 'built-in trigger', 'your trigger'],
      rows: r.builtin.caught_by.map((c, i) => [String(i + 1), pct(c / r.builtin.detections.total), pct(g.caught_by[i] / g.detections.total)]),
    });
  }
}

/** The grade of a gate: the built-in gate 2 and the learner's over the same rounds (`challenge`: `challenges().gate`). */
export async function showGate(r, into, challenge) {
  {
    const share = (x) => `${x.count} / ${x.total} (${pct(x.lo)} – ${pct(x.hi)})`;
    const row = (name, g) => [name, share(g.promoted_no_better), share(g.promoted_better), `${g.spurious.count} / ${g.spurious.total}`,
      `${g.turned_away.count} / ${g.turned_away.total}`];
    const n = r.diffs.length / 2;
    const chart = chartFigure('Each round: what the gates saw (candidate − current AUC on the recent rows) against the true gain; filled: your gate promoted.', 'learner-gate-chart');
    const data = r.diffs.map((d, i) => ({ diff: d, gain: r.true_gains[i], kind: i < n ? 'no better' : `world moved ${challenge.shift} days`,
      yours: r.learner_promoted[i] ? 'promoted' : 'kept out', builtin: r.builtin_promoted[i] ? 'promoted' : 'kept out' }));
    const g = r.learner;
    const spurious = g.promoted_no_better.rate;
    const found = g.promoted_better.rate;
    // the goals are the core's (exercises::GateChallenge), and so is the verdict (learner::GateGrade::meets)
    const { spurious_ok: ok1, real_ok: ok2, pass } = r.learner_verdict;
    into.replaceChildren(
      table(['gate', 'no-better candidates promoted (95 % exact interval)', 'better candidates promoted (95 % exact interval)', 'spurious promotions (true gain ≤ 0)', 'real improvements turned away'],
        [row('built-in (AUC with the margin set above)', r.builtin), row('your gate', g)],
        { caption: `${n} rounds with a candidate no better and ${n} after the world moved ${challenge.shift} days, the same for both gates; the true gain is measured on 20,000 fresh rows` }),
      g.reasons[0] ? h('p', { 'data-testid': 'learner-reason' }, h('strong', { text: 'Your reason in the first round: ' }), g.reasons[0]) : null,
      mark(ok1, 'learner-challenge-rate', `no-better candidates promoted: ${g.promoted_no_better.count} of ${g.promoted_no_better.total} (${pct(spurious)}; goal ≤ ${pct(challenge.max_spurious)})`),
      mark(ok2, 'learner-challenge-real', `better candidates promoted: ${g.promoted_better.count} of ${g.promoted_better.total} (${pct(found)}; goal ≥ ${pct(challenge.min_real)})`),
      verdictLine(pass, 'Your gate meets the challenge.', 'Your gate does not meet the challenge yet.'),
      chart.el);
    await chart.update({
      label: 'Rounds: observed AUC difference against true gain, by kind of candidate and your verdict',
      draw: (Plot, width) => Plot.plot({
        width, height: 260, style: baseStyle, marginLeft: 52,
        x: { label: 'candidate − current AUC on the recent rows', grid: true }, y: { label: 'true gain', grid: true },
        color: { legend: true, domain: ['no better', `world moved ${challenge.shift} days`], range: ['var(--ref)', 'var(--live)'] },
        marks: [
          Plot.ruleY([0], { stroke: 'var(--muted)' }), Plot.ruleX([0], { stroke: 'var(--muted)' }),
          Plot.dot(data, { x: 'diff', y: 'gain', stroke: 'kind', r: 4 }),
          Plot.dot(data.filter((d) => d.yours === 'promoted'), { x: 'diff', y: 'gain', fill: 'kind', r: 4 }),
        ],
      }),
      columns: ['round', 'candidate', 'observed difference', 'true gain', 'your gate', 'built-in gate'],
      rows: data.map((d, i) => [String(i + 1), d.kind, fmt.diff(d.diff), fmt.diff(d.gain), d.yours, d.builtin]),
    });
  }
}
