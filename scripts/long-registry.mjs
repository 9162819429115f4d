// A registry export with a long history, for the registry panel's limit test and `make bench`:
// one loadable model (version 1), then alias changes (set "a", remove "a", ...), the shortest
// legal events (about 120 bytes each: 1,000,000 of them are 114 MiB); with `production`, a last
// event promotes version 1.
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

function event(seq, time, promote) {
  let change;
  if (seq === 1) change = { kind: 'register', version: 1, label: '1.0.0' };
  else if (promote) change = { kind: 'promote', version: 1, from: 'None', replaced: null };
  else if (seq % 2 === 0) change = { kind: 'set_alias', alias: 'a', version: 1, previous: null };
  else change = { kind: 'remove_alias', alias: 'a', previous: 1 };
  return { seq, time, change, actor: 'user', reason: '' };
}

/** The export as text: at most `events` events at times 0, 1, 2, ... (the registration, alias
 * changes ending with the alias removed, and with `production` a last promotion of version 1). */
export function longExport(events, { production = true } = {}) {
  let n = production ? events - 1 : events;
  if (n % 2 === 0) n -= 1;
  const model = modelJson('1.0.0', 1);
  const version = {
    version: 1, label: '1.0.0', model_json: model, model_hash: createHash('sha256').update(model).digest('hex'),
    lineage: { data_fingerprint: 'fp0000000001', seed: '1', drift: '0.0', rows: 3000, params: { n_estimators: 1 }, code_version: '0.1.0', build_id: '0.1.0' },
    metrics: [], created_at: 0,
  };
  // The events as text, each exactly as JSON.stringify writes `event(...)`: written by hand
  // because a million objects through JSON.stringify take seconds longer.
  const head = JSON.stringify(event(1, 0, false));
  const parts = new Array(n + (production ? 1 : 0));
  parts[0] = head;
  for (let s = 2; s <= n; s++) {
    parts[s - 1] = s % 2 === 0
      ? `{"seq":${s},"time":${s - 1},"change":{"kind":"set_alias","alias":"a","version":1,"previous":null},"actor":"user","reason":""}`
      : `{"seq":${s},"time":${s - 1},"change":{"kind":"remove_alias","alias":"a","previous":1},"actor":"user","reason":""}`;
  }
  if (production) parts[n] = JSON.stringify(event(n + 1, n, true));
  const rest = JSON.stringify({ stages: production ? { 1: 'Production' } : {}, aliases: {} }).slice(1);
  return `${JSON.stringify({ format: 'mlops-loop-registry', schema: 2, versions: [version] }).slice(0, -1)},"history":[${parts.join(',')}],${rest}`;
}
