// Exercise 5: the weakest link. Switch one practice off, run a simulated year with the core's
// runLoop, and lay its timeline beside the full loop's (summary, AUC chart, week-by-week live
// version, AUC and decisions, differing weeks marked). The challenge matches each removed practice
// to the failure it lets in: the failures, their years and how each shows in a timeline are the
// core's (weakest_link.rs: weakestFailures, failuresShown); the check runs each failure's year with
// the reader's choice switched off and asks the core whether the failure shows.
import { h } from '../ui.js';
import { fmt } from '../format.js';
import { chartFigure } from '../charts.js';
import { SCHEDULES, PRACTICES, loopSeed, runLoop, busyLine, aucPlot, summaryTable, decisionText } from '../loopview.js';

export const weakestLink = {
  id: 'weakest-link',
  title: 'Exercise 5: the weakest link',
  controls: [
    { name: 'off', label: 'practice switched off', kind: 'select', options: PRACTICES.map((p) => ({ value: p.name, label: p.label })) },
    { name: 'schedule', label: 'drift schedule', kind: 'select', options: SCHEDULES },
    { name: 'seed', label: 'seed of the year', kind: 'seed' },
  ],
  mount(root, ctx) {
    const { engine, values: v } = ctx;
    root.append(h('div', { class: 'prose' }, ctx.section('What you will do')));
    const cache = new Map();
    /** runLoop for (seed, schedule, practice off), cached for the panel's life. */
    async function year(seed, schedule, off, prog, rederive = false) {
      const key = `${seed}|${schedule}|${off ?? ''}|${rederive}`;
      if (!cache.has(key)) {
        const practices = Object.fromEntries(PRACTICES.map((p) => [p.name, p.name !== off]));
        const params = { weeks: 52, seed: loopSeed(String(seed)), schedule, practices };
        const p = runLoop(engine, rederive ? { ...params, rederive: true } : params, prog);
        cache.set(key, p);
        p.catch(() => cache.delete(key));
      }
      return cache.get(key);
    }
    const label = (name) => PRACTICES.find((p) => p.name === name)?.label ?? name;

    // ---- side by side
    const prog = busyLine('running both years');
    const err = h('p', { class: 'error', role: 'alert' });
    const sum = h('div', { 'data-testid': 'compare-summary' });
    const chart = chartFigure('Weekly AUC: the full loop and the loop without the practice, decisions of the weaker loop marked.', 'compare-chart');
    const diffNote = h('p', { 'data-testid': 'compare-diff' });
    const weeksOut = h('div', { 'data-testid': 'compare-weeks' });
    const runBtn = h('button', { type: 'button', text: 'Run both years', onclick: () => compare() });
    const rederiveOut = h('div', { 'data-testid': 'rederivations', hidden: true });
    const short = (hash) => hash.slice(0, 12);
    /** What an auditor gets back from each version's lineage alone (runLoop with rederive). */
    function showRederivations(runs) {
      rederiveOut.hidden = !runs;
      if (!runs) return rederiveOut.replaceChildren();
      const { full, weak } = runs;
      const same = (rs) => rs.filter((r) => r.reproducible).length;
      const rows = weak.rederivations.map((r) => h('tr', { class: r.reproducible ? null : 'diff-row' },
        h('th', { scope: 'row', text: r.label }),
        h('td', { text: r.seeded ? 'yes' : 'no' }),
        h('td', { text: r.data_matches ? 'yes' : 'no' }),
        h('td', {}, h('code', { text: short(r.stored_hash) })),
        h('td', {}, h('code', { text: short(r.rederived_hash) })),
        h('td', { 'data-testid': `rederive-${r.label}`, text: r.reproducible ? 'yes' : 'no' })));
      rederiveOut.replaceChildren(
        h('h4', { text: 'Re-derived from the lineage alone' }),
        h('p', { 'data-testid': 'rederive-summary',
          text: `Full loop: ${same(full.rederivations)} of ${full.rederivations.length} versions rebuilt bit for bit. `
            + `Without seeded training: ${same(weak.rederivations)} of ${weak.rederivations.length}. The data are rebuilt `
            + 'exactly from the recorded seeds either way; what the lineage does not record is the random state of the fit, so '
            + 'retraining from it gives another model (another hash), and no one can say which model served.' }),
        h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Re-derivation of each version' },
          h('table', { class: 'data' },
            h('thead', {}, h('tr', {}, ['version', 'seeded fit', 'same data', 'recorded hash', 're-derived hash', 'same model']
              .map((c) => h('th', { scope: 'col', text: c })))),
            h('tbody', {}, rows))));
      return undefined;
    }
    let seq = 0;
    async function compare() {
      const my = ++seq;
      runBtn.disabled = true;
      err.textContent = '';
      root.dataset.state = 'running';
      try {
        // Without seeded training the failure is in the lineage: rebuild every version from it.
        const audit = v.off === 'seeded_training';
        const full = await year(v.seed, v.schedule, null, prog, audit);
        const weak = await year(v.seed, v.schedule, v.off, prog, audit);
        if (my !== seq) return;
        showRederivations(audit ? { full, weak } : null);
        const names = { full: 'full loop', weak: `without ${label(v.off)}` };
        sum.replaceChildren(summaryTable([{ name: names.full, timeline: full }, { name: names.weak, timeline: weak }]));
        await chart.update({
          label: `Weekly AUC, ${names.full} vs ${names.weak}`,
          draw: (Plot, width) => aucPlot(Plot, width, weak, { compare: { name: names.weak, other: names.full, timeline: full } }),
          columns: ['week', `AUC, ${names.full}`, `AUC, ${names.weak}`],
          rows: full.weeks.map((w, i) => [String(w.week), fmt.auc(w.auc), fmt.auc(weak.weeks[i].auc)]),
        });
        // Where the two years differ is the core's (weakest_link::differences).
        const diff = await engine.call('compareYears', [{ off: weak, full }]);
        if (my !== seq) return;
        const rows = full.weeks.map((w, i) => {
          const o = weak.weeks[i];
          const dl = diff.live[i];
          const dd = diff.decisions[i];
          return h('tr', { class: dl || dd ? 'diff-row' : null },
            h('th', { scope: 'row', text: String(w.week) }),
            h('td', { text: dl || dd ? 'differs' : '' }),
            h('td', { text: w.live_label }), h('td', { text: o.live_label }),
            h('td', { text: fmt.auc(w.auc) }), h('td', { text: fmt.auc(o.auc) }),
            h('td', { class: 'dec', text: w.decisions.map(decisionText).join('; ') || '—' }),
            h('td', { class: 'dec', text: o.decisions.map(decisionText).join('; ') || '—' }));
        });
        diffNote.textContent = `The live version differs in ${diff.live_weeks} of ${full.weeks.length} weeks; the decisions differ in ${diff.decision_weeks} weeks.`;
        weeksOut.replaceChildren(h('details', { class: 'table-alt' }, h('summary', { text: 'Week by week, side by side' }),
          h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Week by week, side by side' }, h('table', { class: 'data compare' },
            h('thead', {}, h('tr', {}, ['week', '', `live, ${names.full}`, `live, ${names.weak}`, `AUC, ${names.full}`, `AUC, ${names.weak}`,
              `decisions, ${names.full}`, `decisions, ${names.weak}`].map((c) => h('th', { scope: 'col', text: c })))),
            h('tbody', {}, rows)))));
        root.dataset.state = 'done';
        ctx.announce(diffNote.textContent);
      } catch (e) {
        if (my === seq) err.textContent = `The loop did not run: ${e.message ?? e}`;
      } finally {
        if (my === seq) runBtn.disabled = false;
      }
    }

    // ---- the challenge, answered as a whole: the matches are the reader's own choices (not
    // controls, so not in the link), and the check says only whether all of them hold, never
    // which one is wrong (a per-item mark could be brute-forced one select at a time)
    const chProg = busyLine('checking your matches');
    const chOut = h('div', { 'data-testid': 'challenge-result', 'aria-live': 'polite' });
    let picks = [];
    const pickList = h('fieldset', { class: 'controls' }, h('legend', { text: 'Which practice, switched off, lets in…' }));
    engine.call('weakestFailures').then((failures) => {
      picks = failures.map((f) => {
        const id = `ex5-match-${f.id}`;
        const select = h('select', { id, 'data-testid': `match-${f.id}` },
          h('option', { value: '', text: 'choose a practice…' }), PRACTICES.map((p) => h('option', { value: p.name, text: `without ${p.label}` })));
        return { f, select, el: h('div', { class: 'control wide' }, h('label', { for: id, text: f.text }), select) };
      });
      pickList.append(...picks.map((p) => p.el));
    }, (e) => chOut.replaceChildren(h('p', { class: 'error', text: `The failures did not load: ${e.message ?? e}` })));
    const storyId = 'ex5-story';
    const story = h('textarea', { id: storyId, rows: 4, maxlength: 4000, 'data-testid': 'ex5-story' });
    const storyEl = h('div', { class: 'control wide' },
      h('label', { for: storyId, text: 'In your own words: pick one of these failures, say what went wrong, when you would have noticed it, and what would have caught it.' }), story);
    const chBtn = h('button', { type: 'button', text: 'Check my matches', onclick: () => check() });
    async function check() {
      chBtn.disabled = true;
      try {
        let all = picks.length > 0; // no failures loaded: nothing is matched
        for (const { f, select } of picks) {
          const off = select.value;
          if (!off) { all = false; continue; }
          const full = await year(f.seed, f.schedule, null, chProg);
          const t = await year(f.seed, f.schedule, off, chProg);
          const shown = await engine.call('failuresShown', [{ off: t, full }]);
          if (!shown.includes(f.id)) all = false;
        }
        const storyGrade = await engine.call('gradeWriting', [{ writing: 'failure_story', text: story.value }]);
        const told = storyGrade.enough;
        const pass = all && told;
        chOut.replaceChildren(
          h('p', { class: all ? 'ok' : 'fail', 'data-testid': 'challenge-matches',
            text: all ? 'Every failure appears in its year with the practice you chose switched off.'
              : 'Not every match holds: at least one failure does not appear with the practice you chose (the check does not say which).' }),
          h('p', { class: told ? 'ok' : 'fail', 'data-testid': 'challenge-story',
            text: told ? 'Your description is kept with the challenge.' : `Describe one failure in your own words (at least ${storyGrade.min_words} words).` }),
          h('p', { class: pass ? 'ok' : 'fail', 'data-testid': 'challenge-verdict', text: pass ? 'Challenge met.' : 'Not yet.' }));
        root.dataset.challenge = pass ? 'pass' : 'fail';
        ctx.announce(pass ? 'Challenge met.' : 'Not yet.');
      } catch (e) {
        chOut.replaceChildren(h('p', { class: 'error', text: `Check failed: ${e.message ?? e}` }));
      } finally {
        chBtn.disabled = false;
      }
    }

    root.append(
      h('section', { class: 'cell', 'aria-labelledby': 'ex5-a' },
        h('h3', { id: 'ex5-a', text: 'One practice off, a year side by side' }),
        ctx.controls('The year', ['off', 'schedule', 'seed']),
        h('div', { class: 'row' }, runBtn, prog.el), err, diffNote, sum, rederiveOut, chart.el, weeksOut),
      h('section', { class: 'cell', 'aria-labelledby': 'ex5-v' },
        h('h3', { id: 'ex5-v', text: 'Testing the data: validation on a broken feature' }),
        h('div', { class: 'prose', 'data-testid': 'ex5-validation-text' }, ctx.section('Testing the data')),
        h('div', { class: 'row' }, h('button', { type: 'button', text: 'Show: broken feature, validation off, seed 0',
          'data-testid': 'show-validation',
          onclick: () => { ctx.set('off', 'validation', { fromPanel: true }); ctx.set('schedule', 'broken_feature', { fromPanel: true }); ctx.set('seed', '0', { fromPanel: true }); } }))),
      h('section', { class: 'cell challenge', 'aria-labelledby': 'ex5-c' },
        h('h3', { id: 'ex5-c', text: 'Challenge: match each failure to the missing practice' }),
        h('div', { class: 'prose' }, ctx.section('Challenge')),
        pickList,
        storyEl,
        h('div', { class: 'row' }, chBtn, chProg.el), chOut,
        h('details', { class: 'hints' }, h('summary', { text: 'Hints' }), ctx.section('Hints'))),
      h('div', { class: 'prose try' }, ctx.section('Try this')));
    compare();
    // One run for several values set at once (the 'Show' button sets three).
    let queued = false;
    ctx.onChange((name) => {
      if (!['off', 'schedule', 'seed'].includes(name) || queued) return;
      queued = true;
      queueMicrotask(() => { queued = false; compare(); });
    });
    return () => { seq++; };
  },
};
