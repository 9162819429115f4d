// One rule for every number the page shows — in prose, controls, tables and charts alike:
//
//   fmt.num(x)   3–4 significant digits: 4 significant, trailing zeros dropped ("0.1234", "12.5", "0.05");
//                whole numbers below a million as they are ("3000", "52"); very small or very large
//                values in scientific notation with 3 significant digits ("1.23e-07").
//   fmt.p(p)     p-values: 3 significant digits from 0.001 up ("0.0132", "0.512"), scientific below
//                ("1.23e-19"; the exponent has two digits, as Python prints it).
//   fmt.auc(x)   AUCs (and other scores in [0, 1]) to 4 decimal places ("0.8123").
//   fmt.diff(x)  a signed difference, 3 significant digits ("+0.0123", "−0.00451").
//   fmt.count(n) a count with thousands separators ("100,002"), written out here: the first
//                `toLocaleString` of a page initialises the browser's locale data, a long task.
//   fmt.pct(x)   a share in [0, 1] as a percentage with one decimal ("12.3 %"; below 0.1 % with 2
//                significant digits, "0.042 %").
//
// Full precision is shown only where exactness is the point (the book's printed lines, a table of
// exact values, a tooltip). `fmt.exact(x)` gives that text (JavaScript's shortest round-trip form,
// which is Python's repr of the same double), and the element that shows it carries `data-exact`
// (`exactText` below sets both). The layout test holds every other visible number to at most six
// significant digits.

const DASH = '—';
const missing = (x) => x === null || x === undefined || (typeof x === 'number' && Number.isNaN(x)) || x === '';

/** Python's exponent form: at least two exponent digits ("1.23e-07", "4.0e+10"). */
export function pyExp(x, digits = 2) {
  if (missing(x)) return DASH;
  return Number(x).toExponential(digits).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Drop trailing zeros of a fixed-point decimal ("0.1200" → "0.12", "3.000" → "3"). */
const trim = (s) => (s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s);

function num(x, sig = 4) {
  if (missing(x)) return DASH;
  const v = Number(x);
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e6) return String(v);
  if (a < 1e-3 || a >= 1e6) return pyExp(v, Math.max(0, sig - 2));
  return trim(v.toPrecision(sig));
}

function p(x) {
  if (missing(x)) return DASH;
  const v = Number(x);
  if (v === 0) return '0';
  if (v < 1e-3) return pyExp(v, 2);
  return trim(v.toPrecision(3));
}

function auc(x) {
  if (missing(x)) return DASH;
  return Number(x).toFixed(4);
}

function diff(x) {
  if (missing(x)) return DASH;
  const v = Number(x);
  if (v === 0) return '0';
  const s = num(Math.abs(v), 3);
  return `${v < 0 ? '−' : '+'}${s}`;
}

function pct(x) {
  if (missing(x)) return DASH;
  const v = 100 * Number(x);
  if (v !== 0 && Math.abs(v) < 0.1) return `${trim(v.toPrecision(2))} %`;
  return `${v.toFixed(1)} %`;
}

function count(n) {
  if (missing(n)) return DASH;
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Full precision (for elements marked `data-exact` and for tooltips). */
const exact = (x) => (missing(x) ? DASH : String(x));

/**
 * The engine's own sentences (a decision's reason, an evidence note) with every decimal number of
 * more than 4 significant digits rounded to 4 by `fmt.num` ("p = 2.478452270821555e-9" → "p = 2.48e-09");
 * whole numbers, versions ("1.1.0") and hex fingerprints are left alone.
 */
function text(s) {
  return String(s).replace(/(?<![\w.])(\d+\.\d+(?:e[-+]?\d+)?|\d+e[-+]?\d+)(?![\w.]*\d)/gi, (m) => {
    const digits = m.split(/e/i)[0].replace('.', '').replace(/^0+/, '');
    return digits.length > 4 ? num(Number(m)) : m;
  });
}

export const fmt = { num, p, auc, diff, pct, count, exact, text };

/** Put `x` at full precision into `el` and mark it `data-exact` (the book's lines, exact-value tables). */
export function exactText(el, x) {
  el.textContent = typeof x === 'string' ? x : exact(x);
  el.dataset.exact = '';
  return el;
}

/**
 * Significant digits of each number in `text` (for tests and checks): digits after the leading
 * zeros; a whole number's trailing zeros do not count ("3000" has 1, "0.0120" has 3).
 */
export function significantDigits(text) {
  const out = [];
  for (const m of String(text).matchAll(/(?<![\w.])\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w])/gi)) {
    const mant = m[0].split(/e/i)[0];
    let digits = mant.replace('.', '').replace(/^0+/, '');
    if (!mant.includes('.')) digits = digits.replace(/0+$/, '');
    out.push({ text: m[0], sig: digits.length });
  }
  return out;
}
