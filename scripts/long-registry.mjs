// A registry export with a long history, for the registry panel's limit test and `make bench`:
// one loadable model (version 1), then `events - 1` alias changes (set "a", remove "a", ...), the
// shortest legal events. With `production`, version 1 is promoted by the last event.
// `maxEvents(bytes)` says how many such events fit in an export of at most `bytes`.
import { createHash } from 'node:crypto';

const hex = (v) => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(v);
  return `0x${b.toString('hex')}`;
};

/** The same small model as the Rust tests' `sample_model_json` (a root split, two leaves). */
export function modelJson(label, seed) {
  let fnv = 0x811c9dc5;
  for (const b of Buffer.from(label)) fnv = Math.imul(fnv ^ b, 0x01000193) >>> 0;
  const lr = hex(0.1);
  return `{"format":"mlops-loop/gbm","format_version":1,"n_features":3,"classes":[0,1],`
    + `"params":{"n_estimators":1,"learning_rate":"${lr}","max_depth":3,"min_samples_split":2,"min_samples_leaf":1,"random_state":${fnv}},`
    + `"learning_rate":"${lr}","init_raw":"${hex(seed)}","trees":[{"children_left":[1,-1,-1],"children_right":[2,-1,-1],`
    + `"feature":[0,-2,-2],"threshold":["${hex(0.5)}","${hex(-2)}","${hex(-2)}"],"value":["${hex(0)}","${hex(0.5)}","${hex(-0.25)}"]}]}`;
}

function event(seq, time, production, total) {
  let change;
  if (seq === 1) change = { kind: 'register', version: 1, label: '1.0.0' };
  else if (production && seq === total) change = { kind: 'promote', version: 1, from: 'None', replaced: null };
  else if (seq % 2 === 0) change = { kind: 'set_alias', alias: 'a', version: 1, previous: null };
  else change = { kind: 'remove_alias', alias: 'a', previous: 1 };
  return { seq, time, change, actor: 'user', reason: '' };
}

/** The export as text: `events` events (odd, so the alias ends removed), times 0, 1, 2, ... */
export function longExport(events, { production = true } = {}) {
  const n = events % 2 === 1 ? events : events - 1;
  const model = modelJson('1.0.0', 1);
  const version = {
    version: 1, label: '1.0.0', model_json: model, model_hash: createHash('sha256').update(model).digest('hex'),
    lineage: { data_fingerprint: 'fp0000000001', seed: '1', drift: '0.0', rows: 3000, params: { n_estimators: 1 }, code_version: '0.1.0', build_id: '0.1.0' },
    metrics: [], created_at: 0,
  };
  const history = [];
  for (let s = 1; s <= n; s++) history.push(event(s, s - 1, production, n));
  return JSON.stringify({
    format: 'mlops-loop-registry', schema: 2, versions: [version], history,
    stages: production ? { 1: 'Production' } : {}, aliases: {},
  });
}

/** How many events an export of at most `bytes` holds (an event is about 110 bytes of JSON). */
export function maxEvents(bytes) {
  let size = longExport(1).length + 200; // the promotion at the end is longer than an alias event
  let n = 1;
  while (true) {
    const next = JSON.stringify(event(n + 1, n, false, 0)).length + 1;
    if (size + next > bytes) break;
    size += next;
    n += 1;
  }
  if (n % 2 === 0) n -= 1;
  while (longExport(n).length > bytes) n -= 2;
  return n;
}
