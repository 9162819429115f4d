// The registry panel: the core's model registry on IndexedDB (`Registry` in the worker). Versions
// with their lineage, metrics, stage and aliases; the append-only history with actor, reason and
// evidence; train & register, promote, archive, rollback, aliases, export/import, erase and
// re-derive. Every value shown is the core's answer, inserted as text. Another tab's changes are
// picked up by polling `revision()` every 2 s and when the page becomes visible again.
// The history is shown a page at a time (`historyPage`: the core reads only the records holding
// it), so a registry with a million events refreshes as fast as one with ten; a record the core
// cannot read is named in the history's place while versions and production stay shown.
import { h, newId, download } from '../ui.js';
import { fmt } from '../format.js';
import { runAlone } from '../engine.js';

/** A 64-bit hex float as the core stores it ("0x3fb999999999999a") → the double it encodes. */
export function hexF64(s) {
  if (typeof s !== 'string' || !/^0x[0-9a-f]{16}$/i.test(s)) return null;
  const v = new DataView(new ArrayBuffer(8));
  v.setBigUint64(0, BigInt(s));
  return v.getFloat64(0);
}

/** A lineage `params` object as "key=value" text (hex floats decoded, nested objects as JSON). */
export function paramsText(params) {
  if (!params || typeof params !== 'object') return String(params);
  return Object.entries(params).map(([k, v]) => {
    const f = hexF64(v);
    if (f !== null) return `${k}=${f}`;
    if (v && typeof v === 'object') return `${k}=${JSON.stringify(v)}`;
    return `${k}=${v}`;
  }).join(', ');
}

/** Evidence as "key=value" text; empty when none. */
export function evidenceText(ev) {
  if (!ev) return '';
  return Object.entries(ev).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${k}=${v}`).join('; ');
}

/** Events per page of the history table. */
export const HISTORY_PAGE = 50;
/** A JS Date's range (8.64e15 ms, the core's `MAX_TIME_MS`): a time beyond it is shown as a number. */
const MAX_TIME_MS = 8.64e15;

/** A time in ms as "2026-01-02 03:04:05 UTC"; a time a Date cannot hold, as the number itself. */
export const iso = (t) => (Number.isFinite(t) && Math.abs(t) <= MAX_TIME_MS
  ? new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : String(t));

export const registry = {
  id: 'registry',
  title: 'Registry',
  controls: [],
  mount(root, ctx) {
    const { engine } = ctx;
    root.append(h('div', { class: 'prose' }, ctx.section('What you will do')));
    const call = (method, ...args) => engine.call('registry', [method, ...args]);
    const status = h('p', { role: 'status', class: 'status', 'data-testid': 'registry-status' });
    const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'registry-error' });
    let busy = false;
    let revision = null;
    let versions = [];

    /** Run a registry change: buttons off, errors shown as text, then re-read everything. */
    async function act(what, fn) {
      if (busy) return undefined;
      busy = true;
      root.setAttribute('aria-busy', 'true');
      root.querySelectorAll('button').forEach((b) => { b.disabled = true; });
      status.textContent = `${what}…`;
      error.textContent = '';
      try {
        const r = await fn();
        status.textContent = `${what}: done.`;
        return r;
      } catch (e) {
        error.textContent = `${what} failed: ${e.message ?? e}`;
        status.textContent = '';
        return undefined;
      } finally {
        busy = false;
        root.querySelectorAll('button').forEach((b) => { b.disabled = false; });
        root.removeAttribute('aria-busy');
        await refresh(true);
      }
    }

    // ---- storage: warn when the browser refused IndexedDB; ask to keep the data once there is some
    const storageNote = h('p', { class: 'notice', role: 'status', 'data-testid': 'registry-storage', hidden: true });
    call('storage').then((s) => {
      if (s && !s.persistent) {
        storageNote.hidden = false;
        storageNote.textContent = `This browser refused to store the registry (${s.reason ?? 'no IndexedDB'}). `
          + 'It lives in memory for this visit only: export it before you leave to keep it.';
      }
    }).catch(() => {});
    let askedPersistence = false;
    /** Ask the browser not to evict the registry under storage pressure (once, after the first registration). */
    function askPersistence() {
      if (askedPersistence) return;
      askedPersistence = true;
      navigator.storage?.persist?.().catch(() => {});
    }

    // ---- train & register
    const field = (name, label, value, attrs = {}) => {
      const id = newId(`reg-${name}`);
      const input = h('input', { id, name, value, autocomplete: 'off', spellcheck: 'false', ...attrs });
      return { input, el: h('div', { class: 'control' }, h('label', { for: id, text: label }), input) };
    };
    const fSeed = field('seed', 'seed', '1', { inputmode: 'numeric', size: 8 });
    const fDrift = field('drift', 'drift (days, as typed)', '0.0', { inputmode: 'decimal', size: 6 });
    const fRows = field('rows', 'rows', '3000', { type: 'number', min: 4, max: 1000000, step: 1 });
    const fLabel = field('label', 'label', '1.0.0', { size: 10, maxlength: 100 });
    const trainProg = h('span', { class: 'progress-text', 'aria-hidden': 'true' });
    // Training runs in an engine worker of its own (engine.js, runAlone): the other panels keep
    // the main engine, and Cancel ends the job at once.
    let trainJob = null;
    const cancelTrain = h('button', { type: 'button', class: 'secondary', text: 'Cancel', hidden: true,
      'data-testid': 'reg-train-cancel', onclick: () => trainJob?.abort() });
    const trainForm = h('form', { class: 'cell', 'aria-labelledby': 'reg-train-h' },
      h('h3', { id: 'reg-train-h', text: 'Train and register' }),
      h('p', { text: 'Trains the book\'s model on make_data(seed, drift, rows) in your browser and registers it with its lineage.' }),
      h('fieldset', { class: 'controls' }, h('legend', { text: 'Recipe' }), fSeed.el, fDrift.el, fRows.el, fLabel.el),
      h('div', { class: 'row' }, h('button', { type: 'submit', text: 'Train & register' }), cancelTrain, trainProg));
    trainForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const rows = Number(fRows.input.value);
      const params = { seed: fSeed.input.value.trim(), drift: fDrift.input.value.trim(), rows, label: fLabel.input.value };
      // A registry kept in memory (storage refused) lives in the main engine only: train there.
      const stored = (await call('storage').catch(() => null))?.persistent === true;
      const job = new AbortController();
      let cancelled = false;
      const v = await act('Training and registering', async () => {
        if (stored) {
          trainJob = job;
          cancelTrain.hidden = false;
          cancelTrain.disabled = false;
        }
        try {
          return await (stored ? runAlone('registry', ['registerTrained', params], { signal: job.signal })
            : call('registerTrained', params));
        } catch (e) {
          if (!e.cancelled) throw e;
          cancelled = true;
          return undefined;
        } finally {
          trainJob = null;
          cancelTrain.hidden = true;
        }
      });
      if (cancelled) {
        status.textContent = 'Training and registering: cancelled.';
        ctx.announce('Training cancelled');
      } else if (v !== undefined) {
        status.textContent = `Registered version ${v}.`;
        askPersistence();
        ctx.announce(`Registered version ${v}`);
        // suggest the next label (the reader can type any)
        const m = fLabel.input.value.match(/^(\d+)\.(\d+)\.(\d+)$/);
        if (m) fLabel.input.value = `${m[1]}.${Number(m[2]) + 1}.0`;
      }
    });

    // ---- registry-wide actions
    const reasonId = newId('reg-reason');
    const reason = h('input', { id: reasonId, name: 'reason', maxlength: 500, autocomplete: 'off', placeholder: 'why (kept in the history)' });
    const fileId = newId('reg-import');
    const file = h('input', { id: fileId, type: 'file', accept: '.json,application/json', class: 'file' });
    const confirmBox = h('div', { class: 'notice confirm', role: 'group', 'aria-label': 'Confirm erasing', hidden: true },
      h('p', { text: 'This deletes every version and the whole history of the registry in this browser. It cannot be undone; export first to keep a copy.' }),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'danger', text: 'Yes, erase everything', onclick: async () => {
          confirmBox.hidden = true;
          await act('Erasing', () => call('erase'));
          ctx.announce('The registry in this browser is erased.');
        } }),
        h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => { confirmBox.hidden = true; eraseBtn.focus(); } })));
    const eraseBtn = h('button', { type: 'button', class: 'secondary danger-outline', text: 'Erase my data…', onclick: () => {
      confirmBox.hidden = false;
      confirmBox.querySelector('button').focus();
    } });
    file.addEventListener('change', async () => {
      const f = file.files?.[0];
      if (!f) return;
      // the largest import the core accepts (limits().import_bytes, registry::MAX_IMPORT_BYTES): a bigger file is not read
      const maxBytes = engine.limits.import_bytes;
      if (f.size > maxBytes) {
        file.value = '';
        error.textContent = `Importing ${f.name} failed: ${fmt.count(f.size)} bytes, over the limit of ${fmt.count(maxBytes)} bytes (${fmt.num(maxBytes / 2 ** 20)} MiB); nothing was read or changed.`;
        status.textContent = '';
        return;
      }
      file.value = '';
      // The file itself goes to the worker, which reads it: the page never holds its text (at the
      // size limit, 128 MiB). A stored registry is imported by an engine worker of its own, ended
      // afterwards, so the memory the import needed is given back; one kept in memory lives in the
      // main engine and is imported there.
      const stored = (await call('storage').catch(() => null))?.persistent === true;
      const r = await act(`Importing ${f.name}`, () => (stored ? runAlone('registry', ['importJson', f]) : call('importJson', f)));
      if (r) status.textContent = `Imported ${r.versions} versions and ${r.events} history events from ${f.name}.`;
    });
    const tools = h('section', { class: 'cell', 'aria-labelledby': 'reg-tools-h' },
      h('h3', { id: 'reg-tools-h', text: 'Changes and data' }),
      h('div', { class: 'control wide' }, h('label', { for: reasonId, text: 'Reason for the next change' }), reason),
      h('div', { class: 'row' },
        h('button', { type: 'button', text: 'Roll back production', onclick: () => act('Rolling back', () => call('rollback', reason.value || undefined)) }),
        h('button', { type: 'button', class: 'secondary', text: 'Export JSON', onclick: async () => {
          const text = await act('Exporting', () => call('exportJson'));
          if (text) download(`mlops-loop-registry-${new Date().toISOString().slice(0, 10)}.json`, text, 'application/json');
        } }),
        file, h('label', { for: fileId, class: 'button secondary file-label', text: 'Import JSON…' }),
        eraseBtn),
      confirmBox);

    // ---- versions and history
    const list = h('div', { class: 'versions', 'data-testid': 'versions' });
    const hist = h('div', { 'data-testid': 'history' });

    function versionCard(v) {
      const auc = v.metrics.map((m) => `${m.name} ${fmt.auc(m.value)} (${m.dataset})`).join('; ');
      const aucExact = v.metrics.map((m) => `${m.name} ${m.value} (${m.dataset})`).join('; ');
      const out = h('div', { class: 'rederive', 'data-testid': `rederive-${v.version}`, 'aria-live': 'polite' });
      const aliasId = newId('alias');
      const alias = h('input', { id: aliasId, size: 10, maxlength: 64, autocomplete: 'off', placeholder: 'e.g. champion' });
      const dl = h('dl', { class: 'facts' });
      const fact = (k, val, testid) => dl.append(h('dt', { text: k }), h('dd', { 'data-testid': testid ? `${testid}-${v.version}` : null, text: val }));
      fact('stage', v.stage, 'stage');
      fact('aliases', v.aliases.length ? v.aliases.join(', ') : '—', 'aliases');
      fact('data fingerprint', v.lineage.data_fingerprint, 'fingerprint');
      fact('seed', v.lineage.seed, 'seed');
      fact('drift (as typed)', `"${v.lineage.drift}"`, 'drift');
      fact('rows', String(v.lineage.rows), 'rows');
      fact('params', paramsText(v.lineage.params), 'params');
      fact('code version', `${v.lineage.code_version} (build ${v.lineage.build_id})`, 'code');
      fact('metrics', auc, 'metrics');
      Object.assign(dl.lastChild, { title: aucExact }).dataset.value = aucExact; // the stored value, exactly
      fact('model hash', v.model_hash, 'hash');
      fact('registered', iso(v.created_at));
      const stageClass = `stage stage-${String(v.stage).toLowerCase()}`;
      return h('article', { class: 'version card', 'data-version': v.version, 'aria-labelledby': `ver-${v.version}-h` },
        h('h4', { id: `ver-${v.version}-h` }, `v${v.version} `, h('span', { class: 'label', text: v.label }), ' ',
          h('span', { class: stageClass, text: v.stage })),
        dl,
        h('div', { class: 'row' },
          h('button', { type: 'button', text: 'Promote', disabled: v.stage === 'Production',
            onclick: () => act(`Promoting v${v.version}`, () => call('promote', v.version, reason.value || undefined)) }),
          h('button', { type: 'button', class: 'secondary', text: 'Archive', disabled: v.stage === 'Archived' || v.stage === 'Production',
            onclick: () => act(`Archiving v${v.version}`, () => call('transition', v.version, 'Archived', reason.value || undefined)) }),
          h('button', { type: 'button', class: 'secondary', text: 'Re-derive', onclick: async () => {
            const r = await act(`Re-deriving v${v.version}`, () => call('rederive', v.version));
            if (r) showRederive(v.version, r);
          } })),
        h('div', { class: 'row alias-row' },
          h('label', { for: aliasId, text: 'alias' }), alias,
          h('button', { type: 'button', class: 'secondary', text: 'Set alias', onclick: () => {
            const name = alias.value.trim();
            if (name) act(`Setting alias ${name}`, () => call('setAlias', name, v.version));
          } }),
          v.aliases.map((a) => h('button', { type: 'button', class: 'secondary small', 'aria-label': `Remove alias ${a}`,
            text: `× ${a}`, onclick: () => act(`Removing alias ${a}`, () => call('removeAlias', a)) }))),
        out);
    }

    const rederived = new Map(); // version → last re-derivation shown (dropped when the version changes)
    function showRederive(version, r) {
      rederived.set(version, r);
      const box = list.querySelector(`[data-testid="rederive-${version}"]`);
      if (!box) return;
      box.replaceChildren(
        h('p', { class: r.reproducible ? 'ok' : 'fail', 'data-testid': `reproducible-${version}`,
          text: `reproducible: ${r.reproducible ? 'yes' : 'no'} — ${r.explanation}` }),
        h('dl', { class: 'facts' },
          h('dt', { text: 'fingerprint stored / re-derived' }), h('dd', { text: `${r.stored_fingerprint} / ${r.rederived_fingerprint}` }),
          h('dt', { text: 'model hash stored' }), h('dd', { 'data-testid': `stored-hash-${version}`, text: r.stored_hash }),
          h('dt', { text: 'model hash re-derived' }), h('dd', { 'data-testid': `rederived-hash-${version}`, text: r.rederived_hash })));
    }

    function renderVersions() {
      if (!versions.length) {
        list.replaceChildren(h('p', { class: 'empty', 'data-testid': 'no-versions', text: 'No versions yet: train and register one above, or import an export.' }));
        return;
      }
      list.replaceChildren(...[...versions].reverse().map(versionCard));
      for (const [v, r] of rederived) showRederive(v, r);
    }

    // ---- the history, a page at a time: `histFrom` is the first event shown, or null to follow the newest
    let histFrom = null;
    const histNote = h('p', { class: 'result', 'data-testid': 'history-range' });
    const histError = h('p', { class: 'error', role: 'alert', 'data-testid': 'history-error' });
    const nav = (text, label, go) => h('button', { type: 'button', class: 'secondary small', text, 'aria-label': label, onclick: () => {
      histFrom = go();
      refresh(true);
    } });
    let page = { total: 0, from: 0, events: [] };
    const last = () => Math.max(1, page.total - HISTORY_PAGE + 1);
    const histNav = {
      oldest: nav('⇤ Oldest', 'Oldest events', () => 1),
      older: nav('← Older', 'Older events', () => Math.max(1, page.from - HISTORY_PAGE)),
      newer: nav('Newer →', 'Newer events', () => (page.from + HISTORY_PAGE >= last() ? null : page.from + HISTORY_PAGE)),
      newest: nav('Newest ⇥', 'Newest events', () => null),
    };
    const histBar = h('div', { class: 'row history-nav', role: 'group', 'aria-label': 'Pages of the history' },
      histNav.oldest, histNav.older, histNote, histNav.newer, histNav.newest);

    function renderHistory(p) {
      page = p;
      histError.textContent = '';
      const { total, events } = p;
      histBar.hidden = total <= HISTORY_PAGE;
      if (!events.length) {
        hist.replaceChildren(h('p', { class: 'empty', text: 'The history is empty.' }));
        histNote.textContent = '';
        return;
      }
      const a = events[0].seq;
      const b = events[events.length - 1].seq;
      histNote.textContent = `events ${fmt.count(a)}–${fmt.count(b)} of ${fmt.count(total)}`;
      histNav.oldest.disabled = histNav.older.disabled = a <= 1;
      histNav.newer.disabled = histNav.newest.disabled = b >= total;
      const t = h('table', { class: 'data history' },
        h('caption', { text: total <= HISTORY_PAGE ? 'Every change, oldest first' : `Changes ${a}–${b} of ${total}, oldest first` }),
        h('thead', {}, h('tr', {}, ['#', 'time', 'change', 'actor', 'reason', 'evidence'].map((c) => h('th', { scope: 'col', text: c })))),
        h('tbody', {}, events.map((e) => h('tr', { 'data-seq': e.seq },
          h('td', { text: String(e.seq) }), h('td', { text: iso(e.time) }), h('td', { text: e.text }),
          h('td', { text: e.actor }), h('td', { text: e.reason }), h('td', { text: evidenceText(e.evidence) || '—' })))));
      hist.replaceChildren(h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Registry history' }, t));
    }

    const why = (r) => r?.message ?? String(r);

    /** Re-read the registry when its revision moved (or always, after our own change). Each part
     * (versions, production, the history page) is read and shown on its own: a damaged record
     * in one does not hide the others. */
    async function refresh(force = false) {
      let rev;
      try {
        rev = await call('revision');
      } catch (e) {
        error.textContent = `Could not read the registry: ${why(e)}`;
        return;
      }
      if (!force && rev === revision) return;
      const [vs, prod, hp] = await Promise.allSettled([call('list'), call('production'), call('historyPage', histFrom ?? undefined, HISTORY_PAGE)]);
      revision = rev;
      if (vs.status === 'fulfilled') {
        versions = vs.value;
        for (const [k, r] of rederived) if (!versions.some((x) => x.version === k && x.model_hash === r.stored_hash)) rederived.delete(k);
        renderVersions();
      } else {
        error.textContent = `Could not read the registry's versions: ${why(vs.reason)}`;
      }
      if (prod.status === 'fulfilled') {
        const p = prod.value;
        prodOut.textContent = p ? `v${p} (${versions.find((x) => x.version === p)?.label ?? '?'})` : 'none';
      } else {
        prodOut.textContent = 'unknown (the registry could not be read)';
        error.textContent = `Could not read the registry: ${why(prod.reason)}`;
      }
      if (hp.status === 'fulfilled') {
        renderHistory(hp.value);
      } else {
        hist.replaceChildren();
        histBar.hidden = true;
        histError.textContent = `Could not read this part of the history: ${why(hp.reason)}`;
      }
      root.dataset.revision = String(rev);
    }

    const prodOut = h('output', { 'data-testid': 'production', text: '…' });
    root.append(storageNote, status, error, trainForm, tools,
      h('section', { class: 'cell', 'aria-labelledby': 'reg-versions-h' },
        h('h3', { id: 'reg-versions-h', text: 'Versions' }),
        h('p', { class: 'result' }, h('span', { class: 'result-label', text: 'In production: ' }), prodOut),
        list),
      h('section', { class: 'cell', 'aria-labelledby': 'reg-history-h' },
        h('h3', { id: 'reg-history-h', text: 'History' }), histBar, histError, hist),
      h('div', { class: 'prose try' }, ctx.section('Try this')));

    refresh(true);
    const timer = setInterval(() => { if (!busy && document.visibilityState === 'visible') refresh(); }, 2000);
    const onVisible = () => { if (document.visibilityState === 'visible' && !busy) refresh(); };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  },
};
