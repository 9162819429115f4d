// The page's state lives in the URL hash (as in TF Playground): `#panel=retrain-trigger&drift=10&alpha_hide=1`.
// Each panel declares its controls (name, kind, min/max/default); this module parses the hash against
// those records, validates every value, and reports bad ones as plain-text messages (never HTML).

/** Seeds are decimal strings (they may exceed 2^53); the core accepts up to 2^128 - 1. */
const SEED_RE = /^\d{1,38}$/;
/** Drifts are Python literals: "10" is an int (days stay int64), "10.0" a float. */
const DRIFT_RE = /^-?\d{1,4}(\.\d{1,6})?$/;

/**
 * Parse one raw string for a control; returns {ok, value} or {ok:false, reason}.
 * @param {object} c a control record
 * @param {string} raw the text from the URL or a form field
 */
export function parseValue(c, raw) {
  const s = String(raw).trim();
  switch (c.kind) {
    case 'seed':
      return SEED_RE.test(s) ? { ok: true, value: s.replace(/^0+(?=\d)/, '') }
        : { ok: false, reason: 'expected a non-negative whole number (up to 38 digits)' };
    case 'drift': {
      if (!DRIFT_RE.test(s)) return { ok: false, reason: 'expected a number of days such as 10 or 2.5' };
      const v = Number(s);
      if (v < c.min || v > c.max) return { ok: false, reason: `expected days from ${c.min} to ${c.max}` };
      return { ok: true, value: s };
    }
    case 'range':
    case 'int': {
      if (!/^-?\d*\.?\d+(e-?\d+)?$/i.test(s)) return { ok: false, reason: `expected a number from ${c.min} to ${c.max}` };
      const v = Number(s);
      if (!Number.isFinite(v) || v < c.min || v > c.max) {
        return { ok: false, reason: `expected a number from ${c.min} to ${c.max}` };
      }
      if (c.kind === 'int' && !Number.isInteger(v)) return { ok: false, reason: 'expected a whole number' };
      return { ok: true, value: v };
    }
    case 'select':
      return c.options.some((o) => o.value === s) ? { ok: true, value: s }
        : { ok: false, reason: `expected one of ${c.options.map((o) => o.value).join(', ')}` };
    case 'code':
      return decodeCode(s, c.max);
    case 'bool':
      if (s === '1' || s === 'true') return { ok: true, value: true };
      if (s === '0' || s === 'false') return { ok: true, value: false };
      return { ok: false, reason: 'expected 1 or 0' };
    default:
      return { ok: false, reason: 'unknown control kind' };
  }
}

/**
 * A learner's Python file in the link (a teacher shares a gate): its UTF-8 bytes in base64url
 * (RFC 4648 §5, no padding), so that any text survives the hash unchanged.
 */
export function encodeCode(text) {
  let bin = '';
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The text of an `encodeCode` value of at most `max` characters, or why it is not one. */
export function decodeCode(s, max) {
  if (s.length > max) {
    return { ok: false, reason: `the code is ${s.length.toLocaleString('en-US')} characters long in the link; the limit is ${max.toLocaleString('en-US')}` };
  }
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) {
    return { ok: false, reason: 'expected Python code as the page writes it into links (base64url); the link was cut or edited' };
  }
  try {
    const bin = atob(s.replaceAll('-', '+').replaceAll('_', '/'));
    const bytes = Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
    return { ok: true, value: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, reason: 'the code in the link is not valid UTF-8 text; the link was cut or edited' };
  }
}

/** The text form of a value, as written into the hash. */
export function formatValue(c, v) {
  if (c.kind === 'bool') return v ? '1' : '0';
  if (c.kind === 'code') return encodeCode(v);
  return String(v);
}

/**
 * At most this many problems of a link are listed one by one; the rest are counted in one line
 * (a link with 50,000 unknown parameters must not print 50,000 lines).
 */
export const MAX_MESSAGES = 10;

/** The messages to show: the first MAX_MESSAGES, then one line that counts the others. */
function capped(messages) {
  if (messages.length <= MAX_MESSAGES) return messages;
  const more = messages.length - MAX_MESSAGES;
  return [...messages.slice(0, MAX_MESSAGES),
    `…and ${more.toLocaleString('en-US')} more parameter${more === 1 ? '' : 's'} of the link ignored, not listed (${messages.length.toLocaleString('en-US')} problems in all).`];
}

/** Shorten a value taken from the URL for a message (it is shown as text, never as HTML). */
const clip = (s) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

/**
 * Read the hash against the panel records.
 * @param {string} hash location.hash
 * @param {Array} panels panel records ({id, controls})
 * @param {string} fallbackPanel the panel shown when none (or an unknown one) is named
 * @returns {{panel: object, values: object, hidden: Set<string>, messages: string[]}}
 */
export function readHash(hash, panels, fallbackPanel) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const messages = [];
  const wanted = params.get('panel');
  const named = params.getAll('panel');
  if (named.length > 1) {
    messages.push(`The link names ${named.length} panels (${named.slice(0, 3).map((x) => `"${clip(x)}"`).join(', ')}${named.length > 3 ? ', …' : ''}); the first counts.`);
  }
  let panel = panels.find((p) => p.id === wanted);
  if (!panel) {
    if (wanted !== null) messages.push(`Unknown panel "${clip(wanted)}" in the link; showing "${fallbackPanel}" instead.`);
    panel = panels.find((p) => p.id === fallbackPanel);
  }
  const values = defaults(panel);
  const hidden = new Set(panel.hidden ?? []);
  // A setting given twice (`seed=1&seed=2`, or `seed` and the name it stands for): the first
  // counts, as for `panel`, and the link is told so.
  const given = new Map();
  for (const [name, raw] of params) {
    if (name === 'panel' || name === 'v') continue;
    // `seed` is a short name for the panel's main seed (its record's seedAlias)
    const key = name === 'seed' && panel.seedAlias ? panel.seedAlias : name;
    if (given.has(key)) {
      const first = given.get(key);
      const names = first.name === name ? clip(name) : `${clip(first.name)} and ${clip(name)}`;
      messages.push(`Ignored ${clip(name)}="${clip(raw)}" from the link: it gives ${names} more than once, and the first, "${clip(first.raw)}", counts.`);
      continue;
    }
    given.set(key, { name, raw });
    if (key.endsWith('_hide')) {
      const name = key.slice(0, -5);
      if (!panel.controls.some((c) => c.name === name)) {
        messages.push(`Ignored ${clip(key)} from the link: this panel has no control "${clip(name)}".`);
      } else if (raw === '1' || raw === 'true') hidden.add(name);
      else if (raw === '0' || raw === 'false') hidden.delete(name);
      else messages.push(`Ignored ${clip(key)}="${clip(raw)}" from the link: expected 1 or 0.`);
      continue;
    }
    const c = panel.controls.find((x) => x.name === key);
    if (!c) {
      messages.push(`Ignored ${clip(key)}="${clip(raw)}" from the link: this panel has no such control.`);
      continue;
    }
    const r = parseValue(c, raw);
    if (r.ok) values[key] = r.value;
    else {
      messages.push(c.kind === 'code'
        ? `Ignored ${key} from the link: ${r.reason}. The editor opens with the code saved in this browser, or the starter.`
        : `Ignored ${key}="${clip(raw)}" from the link: ${r.reason}. Using the default ${formatValue(c, values[key])}.`);
    }
  }
  return { panel, values, hidden, messages: capped(messages) };
}

/** The default values of a panel's controls. */
export function defaults(panel) {
  return Object.fromEntries(panel.controls.map((c) => [c.name, c.default]));
}

/**
 * Write the state back into a hash string: the panel, every value that differs from its default,
 * and the hidden flags that differ from the panel's own.
 */
export function writeHash(panel, values, hidden) {
  const p = new URLSearchParams();
  p.set('panel', panel.id);
  for (const c of panel.controls) {
    const v = values[c.name];
    if (v !== undefined && formatValue(c, v) !== formatValue(c, c.default)) p.set(c.name, formatValue(c, v));
  }
  const base = new Set(panel.hidden ?? []);
  for (const name of hidden) if (!base.has(name)) p.set(`${name}_hide`, '1');
  for (const name of base) if (!hidden.has(name)) p.set(`${name}_hide`, '0');
  return `#${p.toString()}`;
}
