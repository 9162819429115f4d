// Exercise 1: map the loop onto your own model. A loop diagram whose stages open what this sandbox
// uses for each; a form per stage (automated / manual / missing), saved in this browser (IndexedDB via
// the core's KvStore) and exportable as Markdown.
import { h, debounce, download } from '../ui.js';

/** The five stages of the loop and what the sandbox uses for each. */
export const STAGES = [
  { id: 'pipeline', name: 'Training pipeline', sandbox: 'A seeded generator makes 3,000 synthetic customers, a seeded split sets a quarter aside for testing, and a gradient-boosted classifier with a fixed random_state learns from the rest. Run it twice with the same inputs and you get the same model, bit for bit.' },
  { id: 'registry', name: 'Registry', sandbox: 'Each trained model is stored under a version (1.0.0, 1.1.0, …) with the fingerprint of its training data, its seed, its parameters and its test AUC. Every promotion and rollback adds an event, with who and why, to a history kept in this browser\'s IndexedDB.' },
  { id: 'deployment', name: 'Deployment', sandbox: 'A new model reaches users only through the promotion gate: its AUC on recent labelled customers must be at least the serving model\'s on the same rows plus the margin (candidate >= current + margin). It then serves a canary share of the traffic first, and a rollback can put the previous version back.' },
  { id: 'monitoring', name: 'Monitoring signal', sandbox: 'Each week, a two-sample Kolmogorov–Smirnov test sets every live feature against the same feature in the training sample; once the outcomes of those weeks are known, the serving model\'s AUC on them is tracked too.' },
  { id: 'trigger', name: 'Retraining trigger', sandbox: 'The drift test decides: when a feature\'s KS p-value comes out under alpha shared across the three features (Bonferroni: 0.01 / 3 by default; the chapter tests one feature at 0.01), a candidate is fitted on the latest weeks whose outcomes are known and handed to the deployment stage. No calendar and no person starts a retrain here.' },
];
const STATUSES = [['automated', 'automated'], ['manual', 'manual'], ['missing', 'missing']];

/** This sandbox's own churn loop, mapped the way the reader maps theirs (shown after the check). */
export const WORKED = {
  pipeline: { status: 'automated', now: 'Generator seed, split seed and random_state are fixed, so gate 1 can call the same code every time it fires.',
    gap: 'Real customers are not a seed: a team would need a stored, versioned snapshot of the training rows.' },
  registry: { status: 'automated', now: 'Versions with the data fingerprint, seed, parameters and AUC; an event per promotion or rollback.',
    gap: 'It lives in one browser; an export file is the only copy another person can see.' },
  deployment: { status: 'automated', now: 'Gate 2 on shared recent rows, then a canary judged on labelled outcomes, with abort and rollback.',
    gap: 'The canary waits for labels; a model whose outcomes arrive months later could not be judged this way.' },
  monitoring: { status: 'automated', now: 'A data-contract check and a KS test per feature on every weekly batch; the AUC once the week\'s outcomes are known.',
    gap: 'A falling weekly AUC starts no retrain (it only judges canaries and new versions), and the data contract catches only the breaks it names (types, ranges, spend\'s mean): a subtler upstream bug still looks like drift.' },
  trigger: { status: 'automated', now: 'Gate 1: a KS p-value under alpha, corrected for the three features, starts a retrain.',
    gap: 'Only the p-value decides: D, the size of the shift, has no threshold of its own, so with enough rows a shift too small to matter still starts a retrain.' },
};

const KEY = 'ex1-map';

/** The reader's map as Markdown (what the export button downloads). */
export function toMarkdown(model, answers) {
  const lines = [`# The MLOps loop of ${model || 'my model'}`, ''];
  for (const s of STAGES) {
    const a = answers[s.id] ?? {};
    lines.push(`## ${s.name}`, '', `- Status: ${a.status || 'not answered'}`, `- What we use now: ${a.now || '—'}`,
      `- What would automate it: ${a.next || '—'}`, '');
  }
  return lines.join('\n');
}

/** A stage's name by its id (the core's `Stage` tags). */
const stageName = (id) => STAGES.find((s) => s.id === id)?.name ?? id;

/** What keeps the map from counting (the core's `MapProblem` tags, from `checkMap`) in words. */
export function problemText(p) {
  const name = stageName(p.stage);
  switch (p.problem) {
    case 'no_status': return `${name}: choose automated, manual or missing.`;
    case 'nothing_stands_for_it': return `${name}: say what stands for it today (a tool, a job, a person; ${p.min_words} words or more).`;
    case 'no_plan': return `${name}: a plan of at least a few words (${p.min_words} or more): what would automate it or close the gap?`;
    case 'plan_repeats_now': return `${name}: the plan repeats what is used now; what would change?`;
    case 'trigger_without_monitoring': return `${stageName('trigger')}: automated, but with the monitoring signal missing nothing can fire it.`;
    case 'deployment_without_registry': return `${stageName('deployment')}: automated, but with no registry there is no record of the version to roll back to.`;
    default: return `${name}: ${p.problem}`;
  }
}

/** The worked map of this sandbox, for comparison with the reader's. */
function workedMap(answers) {
  return h('div', { class: 'table-scroll', 'data-testid': 'worked-map' }, h('table', { class: 'data' },
    h('caption', { text: 'This sandbox\'s churn loop, mapped: compare it with yours' }),
    h('thead', {}, h('tr', {}, ['stage', 'yours', 'here', 'what stands for it here', 'the gap it still has'].map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', {}, STAGES.map((s) => h('tr', {}, h('th', { scope: 'row', text: s.name }),
      h('td', { text: answers[s.id]?.status ?? '—' }), h('td', { text: WORKED[s.id].status }),
      h('td', { text: WORKED[s.id].now }), h('td', { text: WORKED[s.id].gap }))))));
}

export const mapTheLoop = {
  id: 'map-the-loop',
  title: 'Exercise 1: map the loop onto your model',
  controls: [],
  mount(root, ctx) {
    let data = { model: '', answers: {} };
    const status = h('p', { class: 'saved-note', role: 'status', 'data-testid': 'saved-status', text: 'Loading your saved answers…' });
    const save = debounce(async () => {
      try {
        await ctx.store.put(KEY, JSON.stringify(data));
        status.textContent = `Saved in this browser at ${new Date().toLocaleTimeString()}.`;
      } catch (e) {
        status.textContent = `Not saved: ${e.message}`;
      }
    }, 300);

    // The diagram: each stage is a button that opens what the sandbox uses for it.
    const detail = h('div', { class: 'notice', id: 'stage-detail', hidden: true, 'aria-live': 'polite' });
    const buttons = STAGES.map((s) => h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'stage-detail',
      'data-stage': s.id, text: s.name, onclick: (ev) => open(s, ev.currentTarget) }));
    function open(s, btn) {
      const was = btn.getAttribute('aria-expanded') === 'true';
      buttons.forEach((b) => b.setAttribute('aria-expanded', 'false'));
      if (was) { detail.hidden = true; return; }
      btn.setAttribute('aria-expanded', 'true');
      detail.replaceChildren(h('strong', { text: `${s.name} in this sandbox: ` }), s.sandbox);
      detail.hidden = false;
    }
    const diagram = h('ol', { class: 'loop-diagram', 'aria-label': 'The loop, stage by stage; the last feeds back into the first' },
      buttons.map((b, i) => h('li', {}, b, i < STAGES.length - 1 ? h('span', { 'aria-hidden': 'true', text: ' →' }) : h('span', { 'aria-hidden': 'true', text: ' ↺' }))));

    const modelInput = h('input', { id: 'ex1-model', type: 'text', maxlength: 120, autocomplete: 'off' });
    modelInput.addEventListener('input', () => { data.model = modelInput.value; save(); });
    const fields = STAGES.map((s) => {
      const radios = STATUSES.map(([value, label]) => {
        const id = `ex1-${s.id}-${value}`;
        const input = h('input', { type: 'radio', name: `ex1-${s.id}`, id, value });
        input.addEventListener('change', () => { set(s.id, 'status', value); });
        return { input, el: h('span', { class: 'radio' }, input, h('label', { for: id, text: ` ${label}` })) };
      });
      const now = h('textarea', { id: `ex1-${s.id}-now`, maxlength: 1000, rows: 2 });
      const next = h('textarea', { id: `ex1-${s.id}-next`, maxlength: 1000, rows: 2 });
      now.addEventListener('input', () => set(s.id, 'now', now.value));
      next.addEventListener('input', () => set(s.id, 'next', next.value));
      const el = h('fieldset', { class: 'controls stage', 'data-stage': s.id }, h('legend', { text: s.name }),
        h('div', { class: 'row', role: 'radiogroup', 'aria-label': `${s.name}: status` }, radios.map((r) => r.el)),
        h('div', { class: 'control' }, h('label', { for: now.id, text: 'What do you use for it now?' }), now),
        h('div', { class: 'control' }, h('label', { for: next.id, text: 'What would automate it (or close the gap)?' }), next));
      return { s, radios, now, next, el };
    });
    function set(stage, field, value) {
      data.answers[stage] = { ...(data.answers[stage] ?? {}), [field]: value };
      save();
    }
    function fill() {
      modelInput.value = data.model ?? '';
      for (const f of fields) {
        const a = data.answers[f.s.id] ?? {};
        f.radios.forEach((r) => { r.input.checked = r.input.value === a.status; });
        f.now.value = a.now ?? '';
        f.next.value = a.next ?? '';
      }
    }

    const exportBtn = h('button', { type: 'button', text: 'Export as Markdown', onclick: () => download('my-mlops-loop.md', toMarkdown(data.model, data.answers)) });
    const clearBtn = h('button', { type: 'button', class: 'secondary', text: 'Clear my answers',
      onclick: async () => { data = { model: '', answers: {} }; fill(); await ctx.store.del(KEY); status.textContent = 'Cleared.'; } });
    const chOut = h('div', { 'data-testid': 'challenge-result', 'aria-live': 'polite' });
    const chBtn = h('button', { type: 'button', text: 'Check my map', onclick: async () => {
      // the core checks the map (checkMap: every stage answered, the map holds together as a loop)
      let problems;
      try {
        problems = (await ctx.engine.call('checkMap', [data.answers])).map(problemText);
      } catch (e) {
        chOut.replaceChildren(h('p', { class: 'error', role: 'alert', text: `The check failed: ${e.message ?? e}` }));
        return;
      }
      chOut.replaceChildren(problems.length
        ? h('div', {}, h('p', { class: 'fail', 'data-testid': 'challenge-verdict', text: `Not yet: ${problems.length} stage(s) to finish.` }),
          h('ul', {}, problems.map((p) => h('li', { text: p }))))
        : h('div', {}, h('p', { class: 'ok', 'data-testid': 'challenge-verdict', text: 'Challenge met: every stage is mapped, every gap has a plan, and the map holds together as a loop.' }),
          h('p', { text: 'Here is the same map for this sandbox. Where does your model do better, and which of its gaps does yours share?' }),
          workedMap(data.answers)));
      root.dataset.challenge = problems.length ? 'fail' : 'pass';
    } });

    root.append(
      h('section', { class: 'cell', 'aria-labelledby': 'ex1-a' }, h('h3', { id: 'ex1-a', text: 'The loop in this sandbox' }),
        h('div', { class: 'prose' }, ctx.section('The loop')), diagram, detail),
      h('section', { class: 'cell', 'aria-labelledby': 'ex1-b' }, h('h3', { id: 'ex1-b', text: 'Your model' }),
        h('div', { class: 'prose' }, ctx.section('Your model')),
        h('div', { class: 'control' }, h('label', { for: 'ex1-model', text: 'Which model are you mapping?' }), modelInput),
        fields.map((f) => f.el), status, h('div', { class: 'row' }, exportBtn, clearBtn)),
      h('section', { class: 'cell challenge', 'aria-labelledby': 'ex1-c' }, h('h3', { id: 'ex1-c', text: 'Challenge' }),
        h('div', { class: 'prose' }, ctx.section('Challenge')), chBtn, chOut,
        h('details', { class: 'hints' }, h('summary', { text: 'Hints' }), ctx.section('Hints'))),
      h('div', { class: 'prose try' }, ctx.section('Try this')));

    ctx.store.get(KEY).then((text) => {
      if (text) {
        try {
          const parsed = JSON.parse(text);
          if (parsed && typeof parsed === 'object') data = { model: String(parsed.model ?? ''), answers: parsed.answers ?? {} };
        } catch {
          status.textContent = 'Your saved answers could not be read; starting afresh.';
          return;
        }
      }
      fill();
      status.textContent = text ? 'Your saved answers are back.' : 'Answers are saved in this browser as you type.';
      root.dataset.loaded = '1';
    }).catch((e) => { status.textContent = `Local storage is unavailable: ${e.message}`; });
    return undefined;
  },
};
