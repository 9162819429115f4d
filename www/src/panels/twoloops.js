// Exercise 4: the exploration loop and the production loop. The reader drives one turn by hand
// (check drift with the core's ksSamples, decide; retrain and evaluate with chapter(), decide),
// sees what the gates decide on the same numbers, then switches the gates on and lets runLoop run
// a year. The judgements the reader made are listed next to the rules that replace them (with the
// loop's own settings), and a reflection box is kept in this browser.
import { h, debounce, fmtP, showNum } from '../ui.js';
import { fmt } from '../format.js';
import { chartFigure } from '../charts.js';
import { FEATURES, loopSeed, runLoop, busyLine, aucPlot, weekColumns, weekRows, summaryTable, decisionText, kindVerdictText } from '../loopview.js';

/** A reflection box kept in this browser under `key`. */
export function reflection(ctx, key, label) {
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

const SEED = (name, label) => ({ name, label, kind: 'seed' });
const DRIFT = (name, label) => ({ name, label, kind: 'drift', min: -90, max: 360 });

export const twoLoops = {
  id: 'two-loops',
  title: 'Exercise 4: the exploration loop and the production loop',
  controls: [
    SEED('seed_train', 'training data seed'),
    SEED('seed_live', 'live data seed'),
    DRIFT('drift_live', 'live drift (days)'),
    SEED('seed_recent', 'recent data seed'),
    DRIFT('drift_recent', 'recent drift (days)'),
    { name: 'rows', label: 'rows per data set', kind: 'int', min: 200, max: 10000, step: 100 },
    { name: 'loop_seed', label: 'seed of the simulated year', kind: 'seed' },
  ],
  mount(root, ctx) {
    const { engine, values: v } = ctx;
    root.append(h('div', { class: 'prose' }, ctx.section('What you will do')));
    /** The reader's decisions, in order: {what, choice, why, evidence}. */
    const mine = [];
    const mineList = h('ol', { 'data-testid': 'my-decisions' });
    const why = (id, label) => {
      const input = h('input', { id, maxlength: 300, autocomplete: 'off', placeholder: 'because…' });
      return { input, el: h('div', { class: 'control wide' }, h('label', { for: id, text: label }), input) };
    };
    function record(d) {
      const i = mine.findIndex((x) => x.what === d.what);
      if (i >= 0) mine.splice(i, mine.length - i);
      mine.push(d);
      mineList.replaceChildren(...mine.map((x) => h('li', {}, h('strong', { text: `${x.what}: ${x.choice}` }),
        x.why ? ` — you wrote: “${x.why}”` : ' — (no reason written)', h('div', { class: 'evidence', text: `what you saw: ${x.evidence}` }))));
      renderJudgements();
    }
    const err = h('p', { class: 'error', role: 'alert' });
    const base = () => ({ rows: v.rows });

    // ---- step 1: check drift
    const ksOut = h('div', { 'data-testid': 'hand-ks' });
    const q1 = h('div', { class: 'row', hidden: true });
    const why1 = why('ex4-why1', 'Why? (optional)');
    let ks = null;
    const checkBtn = h('button', { type: 'button', text: 'Check the live inputs for drift', onclick: async () => {
      checkBtn.disabled = true;
      err.textContent = '';
      try {
        const a = { seed: v.seed_train, drift: '0.0', ...base() };
        const b = { seed: v.seed_live, drift: v.drift_live, ...base() };
        ks = [];
        for (const f of FEATURES) ks.push(await engine.call('ksSamples', [a, b, f]));
        ksOut.replaceChildren(h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'KS test of each feature' }, h('table', { class: 'data' },
          h('caption', { text: `Training (seed ${v.seed_train}, drift 0.0) vs live (seed ${v.seed_live}, drift ${v.drift_live}), ${v.rows} rows each` }),
          h('thead', {}, h('tr', {}, ['feature', 'KS D', 'p-value'].map((c) => h('th', { scope: 'col', text: c })))),
          h('tbody', {}, FEATURES.map((f, i) => h('tr', {}, h('th', { scope: 'row', text: f }),
            showNum(h('td', { 'data-testid': `hand-d-${f}` }), ks[i].statistic), showNum(h('td', { 'data-testid': `hand-p-${f}` }), ks[i].pvalue, fmt.p)))))));
        q1.hidden = false;
        ctx.announce('Drift checked: decide whether to retrain.');
      } catch (e) {
        err.textContent = `The check failed: ${e.message}`;
      } finally {
        checkBtn.disabled = false;
      }
    } });
    const ksEvidence = () => FEATURES.map((f, i) => `${f} p=${fmtP(ks[i].pvalue)}`).join(', ');
    q1.append(h('span', { text: 'Your call:' }),
      h('button', { type: 'button', text: 'Retrain', onclick: () => { record({ what: 'retrain?', choice: 'retrain', why: why1.input.value.trim(), evidence: ksEvidence() }); step2.hidden = false; } }),
      h('button', { type: 'button', class: 'secondary', text: 'Keep the current model', onclick: () => { record({ what: 'retrain?', choice: 'keep', why: why1.input.value.trim(), evidence: ksEvidence() }); step2.hidden = true; gatesOn(); } }),
      why1.el);

    // ---- step 2: retrain and evaluate, then decide
    const evalOut = h('div', { 'data-testid': 'hand-eval' });
    const q2 = h('div', { class: 'row', hidden: true });
    const why2 = why('ex4-why2', 'Why? (optional)');
    let ch = null;
    const trainBtn = h('button', { type: 'button', text: 'Retrain on the live data and score both on recent data', onclick: async () => {
      trainBtn.disabled = true;
      err.textContent = '';
      try {
        // Your decision to retrain replaces gate 1: the core trains the candidate whatever the test says.
        ch = await engine.call('chapter', [{ seed_train: v.seed_train, drift_train: '0.0', seed_live: v.seed_live, drift_live: v.drift_live,
          seed_recent: v.seed_recent, drift_recent: v.drift_recent, rows: v.rows, retrain: 'always', margin: 0 }]);
        evalOut.replaceChildren(h('dl', { class: 'facts' },
          h('dt', { text: 'candidate' }), h('dd', { 'data-testid': 'hand-candidate', title: String(ch.candidate.auc), text: `${ch.candidate.version} (data ${ch.candidate.fingerprint}, AUC on its own test split ${fmt.auc(ch.candidate.auc)})` }),
          h('dt', { text: 'current model on recent data' }), showNum(h('dd', { 'data-testid': 'hand-current-auc' }), ch.current_auc_recent, fmt.auc),
          h('dt', { text: 'candidate on the same recent data' }), showNum(h('dd', { 'data-testid': 'hand-candidate-auc' }), ch.candidate_auc_recent, fmt.auc)));
        q2.hidden = false;
      } catch (e) {
        err.textContent = `Retraining failed: ${e.message}`;
      } finally {
        trainBtn.disabled = false;
      }
    } });
    const evalEvidence = () => `current ${fmt.auc(ch.current_auc_recent)} vs candidate ${fmt.auc(ch.candidate_auc_recent)} on recent data`;
    q2.append(h('span', { text: 'Your call:' }),
      h('button', { type: 'button', text: 'Promote the candidate', onclick: () => { record({ what: 'promote?', choice: 'promote', why: why2.input.value.trim(), evidence: evalEvidence() }); gatesOn(); } }),
      h('button', { type: 'button', class: 'secondary', text: 'Keep the current model', onclick: () => { record({ what: 'promote?', choice: 'keep', why: why2.input.value.trim(), evidence: evalEvidence() }); gatesOn(); } }),
      why2.el);
    const step2 = h('div', { hidden: true }, h('h4', { text: '2. Retrain, evaluate, decide' }), trainBtn, evalOut, q2);

    // ---- what the gates decide on the same numbers
    const gatesOut = h('div', { 'data-testid': 'gates-verdict' });
    async function gatesOn() {
      try {
        const g = await engine.call('chapter', [{ seed_train: v.seed_train, drift_train: '0.0', seed_live: v.seed_live, drift_live: v.drift_live,
          seed_recent: v.seed_recent, drift_recent: v.drift_recent, rows: v.rows }]); // the book's alpha and margin (the core's)
        const lines = [
          [`gate 1 (retrain when the days_since_login p-value < ${g.alpha})`, `p = ${fmt.p(g.ks.pvalue)} → ${g.retrain ? 'retrain' : 'keep'}`, mine.find((x) => x.what === 'retrain?')?.choice, g.retrain ? 'retrain' : 'keep'],
          [`gate 2 (promote when the candidate's AUC ≥ the current model's + ${g.margin} on the same recent data)`,
            g.candidate ? `${fmt.auc(g.candidate_auc_recent)} vs ${fmt.auc(g.current_auc_recent)} → ${g.promote ? 'promote' : 'keep'}` : 'no candidate: gate 1 kept the model',
            mine.find((x) => x.what === 'promote?')?.choice, g.candidate ? (g.promote ? 'promote' : 'keep') : null],
        ];
        gatesOut.replaceChildren(h('ul', {}, lines.map(([rule, says, you, gate]) => h('li', {},
          h('strong', { text: rule }), `: ${says}. `,
          you ? h('span', { class: you === gate ? 'agree' : 'differs', 'data-testid': 'agree',
            text: you === gate ? 'Same as you.' : `You decided “${you}”: a judgement, not a mistake. Which rule would capture your reason?` }) : null))),
        h('p', { class: 'note', 'data-testid': 'gate1-note', text: 'Gate 1 here is the chapter\'s: days_since_login alone at alpha 0.01. '
          + 'The year below tests all three features every week, with the correction shown in the table of judgements, so one feature '
          + 'that moves alone needs a smaller p-value there to start a retrain.' }));
      } catch (e) {
        err.textContent = `The gates could not run: ${e.message}`;
      }
    }

    // ---- the gates on, a whole year
    const yProg = busyLine('running a year with the gates on');
    const yOut = h('div', { 'data-testid': 'year-summary' });
    const yChart = chartFigure('The year with every gate on: weekly AUC with the gates\' decisions marked.', 'year-chart');
    const yDecisions = h('div', { 'data-testid': 'year-decisions' });
    let year = null;
    const yearBtn = h('button', { type: 'button', text: 'Switch the gates on and run a year', onclick: async () => {
      yearBtn.disabled = true;
      err.textContent = '';
      try {
        year = await runLoop(engine, { weeks: 52, seed: loopSeed(v.loop_seed), schedule: 'step' }, yProg);
        yOut.replaceChildren(summaryTable([{ name: `step schedule, seed ${year.params.seed}`, timeline: year }]));
        await yChart.update({ label: 'Weekly AUC of the automated year', draw: (Plot, width) => aucPlot(Plot, width, year),
          columns: weekColumns, rows: weekRows(year), summary: 'Every week as a table' });
        const counts = new Map();
        for (const w of year.weeks) for (const d of w.decisions) {
          const k = `${d.actor} → ${kindVerdictText(d)}`;
          counts.set(k, (counts.get(k) ?? 0) + 1);
        }
        const firstRetrain = year.weeks.flatMap((w) => w.decisions.map((d) => ({ w: w.week, d }))).find((x) => x.d.verdict === 'retrain');
        yDecisions.replaceChildren(
          h('h4', { text: 'Who decided what, how often' }),
          h('ul', {}, [...counts].map(([k, n]) => h('li', { text: `${k} × ${n}` }))),
          firstRetrain ? h('p', {}, h('strong', { text: `The first time the loop faced your first question (week ${firstRetrain.w}): ` }),
            `${decisionText(firstRetrain.d)} — ${fmt.text(firstRetrain.d.reason)}`) : h('p', { text: 'The gates never retrained this year.' }));
        renderJudgements();
        ctx.announce(`The automated year: ${year.summary.retrains} retrains, ${year.summary.promotions} promotions.`);
      } catch (e) {
        err.textContent = `The loop did not run: ${e.message}`;
      } finally {
        yearBtn.disabled = false;
      }
    } });

    // ---- the judgements made explicit
    const judgements = h('div', { 'data-testid': 'judgements' });
    function renderJudgements() {
      const p = year?.params;
      const you = (what) => mine.find((x) => x.what === what);
      const yourWords = (what) => {
        const d = you(what);
        return d ? `You: ${d.choice}${d.why ? ` (“${d.why}”)` : ''}.` : 'You: not decided yet.';
      };
      const rows = [
        ['Is the drift real?', yourWords('retrain?'), p ? `retrain when a feature's KS p-value is below alpha = ${p.alpha} with the ${p.correction} correction over the three features` : 'run the year to see the rule\'s settings'],
        ['Is the candidate better?', yourWords('promote?'), p ? `promote when the candidate's AUC on the newest labelled week ≥ production's on the same rows + ${p.margin}` : '…'],
        ['Is it safe to serve to everyone?', 'Not part of your turn by hand.', p ? `canary at ${p.canary.steps.join(' → ')} %, judged after ${p.canary.min_labels} labelled outcomes each, aborted when worse by more than ${p.canary.tolerance}` : '…'],
        ['Was it a mistake?', 'Not part of your turn by hand.', p ? `roll back when the first labelled week of a new version is below its predecessor's by more than ${p.rollback_tolerance}` : '…'],
        ['Can we rebuild it?', 'Not part of your turn by hand.', p ? `every version's lineage records its data fingerprint, seed and parameters (seeded training ${p.practices.seeded_training ? 'on' : 'off'})` : '…'],
      ];
      judgements.replaceChildren(h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Your judgements and the rules that replace them' }, h('table', { class: 'data judgements' },
        h('caption', { text: 'Your judgements and the rules that replace them' }),
        h('thead', {}, h('tr', {}, ['judgement', 'by hand', 'as a rule in the loop'].map((c) => h('th', { scope: 'col', text: c })))),
        h('tbody', {}, rows.map((r) => h('tr', {}, h('th', { scope: 'row', text: r[0] }), h('td', { text: r[1] }), h('td', { text: r[2] })))))));
    }
    renderJudgements();

    // ---- after the reflection: where the analogy holds and where it breaks
    const analogyOut = h('div', { 'data-testid': 'analogy', hidden: true });
    const analogyButton = h('button', { type: 'button', class: 'secondary', text: 'Compare with our reading', onclick: async () => {
      const text = (await ctx.store.get('ex4-reflection').catch(() => null)) ?? '';
      if (!(await engine.call('gradeWriting', [{ writing: 'reflection', text }])).enough) {
        analogyOut.hidden = false;
        analogyOut.replaceChildren(h('p', { 'data-testid': 'analogy-wait', text: 'Write your own reading first (a few sentences), then compare.' }));
        return;
      }
      analogyOut.hidden = false;
      analogyOut.replaceChildren(h('h4', { text: 'Where the analogy holds' }), h('div', { class: 'prose' }, ctx.section('Where the analogy holds')),
        h('h4', { text: 'Where it breaks' }), h('div', { class: 'prose' }, ctx.section('Where it breaks')));
    } });

    root.append(err,
      h('section', { class: 'cell', 'aria-labelledby': 'ex4-a' },
        h('h3', { id: 'ex4-a', text: 'By hand: one turn of the loop' }),
        ctx.controls('Data', ['seed_train', 'seed_live', 'drift_live', 'seed_recent', 'drift_recent', 'rows']),
        h('h4', { text: '1. Check drift, decide' }), checkBtn, ksOut, q1, step2,
        h('h4', { text: 'Your decisions' }), mineList,
        h('h4', { text: 'The gates on the same numbers' }), gatesOut),
      h('section', { class: 'cell', 'aria-labelledby': 'ex4-b' },
        h('h3', { id: 'ex4-b', text: 'The gates on: a year by itself' }),
        ctx.controls('The simulated year', ['loop_seed']),
        h('div', { class: 'row' }, yearBtn, yProg.el), yOut, yChart.el, yDecisions),
      h('section', { class: 'cell', 'aria-labelledby': 'ex4-j' },
        h('h3', { id: 'ex4-j', text: 'Judgements that must become gates' }),
        h('div', { class: 'prose' }, ctx.section('Judgements')), judgements,
        reflection(ctx, 'ex4-reflection', 'Your reflection: where does the analogy between the two loops hold, and where does it break?'),
        analogyButton, analogyOut),
      h('div', { class: 'prose try' }, ctx.section('Try this')));
    return undefined;
  },
};
