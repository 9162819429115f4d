//! The loop's first stage: the book's `make_data(seed, drift)`, a typed frame of 4 columns drawn
//! from `np.random.default_rng(seed)`, bit for bit.
//!
//! The book's Python (numpy 2.4.6, pandas 3.1.1):
//!
//! ```python
//! rng = np.random.default_rng(seed)
//! days = rng.integers(0, 90, n) + drift          # int drift keeps int64, float drift -> float64
//! spend = rng.exponential(5, n)
//! is_recent = (days < 30).astype(int)
//! churned = rng.binomial(1, 1 / (1 + np.exp(-(days / 30 - 1))))
//! df = pd.DataFrame({"spend_per_active_day": spend, "is_recent": is_recent,
//!                    "days_since_login": days, "churned": churned})
//! ```
//!
//! Draw order (integers, exponential, binomial) and column order are the book's; both change the
//! numbers and the fingerprint. [`Drift`] keeps Python's int/float distinction because
//! `drift=10` and `drift=10.0` give different dtypes and so different fingerprints.

use crate::numpy::{Generator, SeedSequence};
use crate::{Error, Result};

/// Largest accepted `rows`: one frame of 10^6 rows takes ~50 ms natively and a few hundred ms in
/// a browser tab; beyond that a tab would freeze (and allocate 32 bytes per row per copy).
pub const MAX_ROWS: usize = 1_000_000;

/// The book's default number of rows.
pub const DEFAULT_ROWS: usize = 3000;

/// Column names, in the book's DataFrame order.
pub const COLUMNS: [&str; 4] = [
    "spend_per_active_day",
    "is_recent",
    "days_since_login",
    "churned",
];

/// The model's feature columns, in the order of `X = df[[...]]`.
pub const FEATURES: [&str; 3] = ["spend_per_active_day", "is_recent", "days_since_login"];

/// The `drift` added to `days_since_login`: a Python int keeps the column int64, a Python float
/// makes it float64.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Drift {
    /// A Python int literal (`10`, `-3`, `0x10`); must fit in int64 as numpy requires.
    Int(i64),
    /// A Python float literal (`10.0`, `1e3`, `.5`); finite.
    Float(f64),
}

impl Drift {
    /// Parse a drift written as a Python literal, as `ast.literal_eval` would read it.
    ///
    /// Ints: decimal (`10`, no leading zeros but `0`/`00`), `0x`/`0o`/`0b` prefixes, `_`
    /// separators between digits, one optional sign. Floats: anything with a `.` or an exponent
    /// (`10.0`, `1e3`, `.5`, `5.`, `1_0.5e-1_0`). `nan`, `inf`, `1j`, `True` are not numeric
    /// literals here (numpy would accept `float("nan")`, but a NaN drift has no meaning).
    ///
    /// ```
    /// use mlops_loop::data::Drift;
    /// assert_eq!(Drift::parse("10").ok(), Some(Drift::Int(10)));
    /// assert_eq!(Drift::parse("10.0").ok(), Some(Drift::Float(10.0)));
    /// assert_eq!(Drift::parse("-3").ok(), Some(Drift::Int(-3)));
    /// assert!(Drift::parse("1e400").is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `drift` and the text: malformed literal, NaN/inf, a float that
    /// overflows to inf, or an int outside int64 (numpy: "Python integer out of bounds for int64").
    pub fn parse(text: &str) -> Result<Drift> {
        let bad = |reason: &str| Error::invalid("drift", text, reason.to_string());
        let t = text.trim();
        let (neg, body) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        if body.is_empty() {
            return Err(bad(
                "expected a Python int or float literal such as 10 or 10.0",
            ));
        }
        let lower = body.to_ascii_lowercase();
        if lower == "nan" || lower.contains("inf") {
            return Err(bad("must be finite (NaN and infinity are rejected)"));
        }
        if let Some(v) = parse_py_int(body) {
            let v = v.ok_or_else(|| {
                bad("integer out of bounds for int64 (numpy cannot add it to an int64 column)")
            })?;
            let signed = if neg { -v } else { v };
            return i64::try_from(signed).map(Drift::Int).map_err(|_| {
                bad("integer out of bounds for int64 (numpy cannot add it to an int64 column)")
            });
        }
        if is_py_float(body) {
            let clean: String = body.chars().filter(|&c| c != '_').collect();
            let v: f64 = clean
                .parse()
                .map_err(|_| bad("expected a Python int or float literal"))?;
            if !v.is_finite() {
                return Err(bad("float literal overflows to infinity"));
            }
            return Ok(Drift::Float(if neg { -v } else { v }));
        }
        Err(bad(
            "expected a Python int or float literal such as 10, -3, 10.0 or 1e3",
        ))
    }

    /// numpy's dtype of `integers(...) + drift`.
    pub fn dtype(&self) -> &'static str {
        match self {
            Drift::Int(_) => "int64",
            Drift::Float(_) => "float64",
        }
    }
}

impl std::fmt::Display for Drift {
    /// As Python's `repr`: `10`, `10.0`, `1e-05`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Int(v) => write!(f, "{v}"),
            Drift::Float(v) => f.write_str(&py_repr(*v)),
        }
    }
}

/// Digits of `s` in `radix` with Python's `_` rule (single underscores between digits, or right
/// after a base prefix). `None` if malformed.
fn py_digits(s: &str, radix: u32, after_prefix: bool) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut pending_underscore = false;
    for c in s.chars() {
        if c == '_' {
            if pending_underscore || (out.is_empty() && !after_prefix) {
                return None;
            }
            pending_underscore = true;
        } else if c.is_digit(radix) {
            out.push(c);
            pending_underscore = false;
        } else {
            return None;
        }
    }
    if out.is_empty() || pending_underscore {
        return None;
    }
    Some(out)
}

/// A Python int literal's magnitude: `None` if not an int literal, `Some(None)` if it does not
/// fit in i128.
fn parse_py_int(s: &str) -> Option<Option<i128>> {
    let (radix, rest, prefixed) = if s.len() > 2 && s.as_bytes()[0] == b'0' {
        match s.as_bytes()[1] {
            b'x' | b'X' => (16, &s[2..], true),
            b'o' | b'O' => (8, &s[2..], true),
            b'b' | b'B' => (2, &s[2..], true),
            _ => (10, s, false),
        }
    } else {
        (10, s, false)
    };
    let digits = py_digits(rest, radix, prefixed)?;
    if radix == 10 && digits.len() > 1 && digits.starts_with('0') {
        // Python 3: leading zeros in a non-zero decimal int are a SyntaxError; `00` is 0.
        if digits.bytes().all(|b| b == b'0') {
            return Some(Some(0));
        }
        return None;
    }
    Some(i128::from_str_radix(&digits, radix).ok())
}

/// Whether `s` (no sign) is a Python float literal: pointfloat or exponentfloat.
fn is_py_float(s: &str) -> bool {
    let (mant, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    if let Some(e) = exp {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if py_digits(e, 10, false).is_none() {
            return false;
        }
    }
    let ok_part = |p: &str| py_digits(p, 10, false).is_some();
    match mant.find('.') {
        Some(i) => {
            let (a, b) = (&mant[..i], &mant[i + 1..]);
            match (a.is_empty(), b.is_empty()) {
                (true, true) => false,
                (true, false) => ok_part(b),
                (false, true) => ok_part(a),
                (false, false) => ok_part(a) && ok_part(b),
            }
        }
        // No point: only an exponentfloat (`1e3`) is a float; `10` was an int.
        None => exp.is_some() && ok_part(mant),
    }
}

/// Python's `repr(float)`: shortest round-trip digits; scientific when the decimal exponent is
/// below −4 or at least 16 (`1e-05`, `1e+16`), else positional with at least one decimal (`5.0`).
///
/// This is what pandas' `to_csv` writes for float64 cells.
///
/// ```
/// use mlops_loop::data::py_repr;
/// assert_eq!(py_repr(0.1), "0.1");
/// assert_eq!(py_repr(5.0), "5.0");
/// assert_eq!(py_repr(1e-5), "1e-05");
/// assert_eq!(py_repr(1.2345678901234567e16), "1.2345678901234568e+16");
/// assert_eq!(py_repr(1e15), "1000000000000000.0");
/// ```
pub fn py_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let (digits, exp) = shortest_digits(x.abs());
    let sign = if x.is_sign_negative() { "-" } else { "" };
    let nd = digits.len() as i32;
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    if !(-4..16).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    if exp < 0 {
        let zeros = "0".repeat((-exp - 1) as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let int_len = exp + 1;
    if nd <= int_len {
        let zeros = "0".repeat((int_len - nd) as usize);
        format!("{sign}{digits}{zeros}.0")
    } else {
        let (a, b) = digits.split_at(int_len as usize);
        format!("{sign}{a}.{b}")
    }
}

/// Split `{:e}` output ("d.ddde<exp>") into its digits and decimal exponent.
fn split_sci(s: &str) -> (String, i32) {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let digits = mant.chars().filter(|c| *c != '.').collect();
    (digits, exp.parse().unwrap_or(0))
}

/// Shortest round-trip digits of a finite `ax >= 0` and the exponent of the first digit, as
/// Python's `repr` (David Gay's dtoa, mode 0) chooses them.
///
/// Rust's `{:e}` also gives a shortest round-trip string, but when two candidates of that
/// length are exactly equally near `ax` it rounds the tie up, where dtoa rounds half to even
/// (e.g. −174760675044167.125 → Python `…167.12`, Rust `…167.13`). Such a tie needs the exact
/// binary value to have at most 18 significant decimal digits, so `ax = m·2^e` (m odd) with
/// e ≥ −25; only then is the exact expansion examined.
fn shortest_digits(ax: f64) -> (String, i32) {
    let (digits, exp) = split_sci(&format!("{ax:e}"));
    let n = digits.len();
    let trailing = ax.to_bits().trailing_zeros() as i32;
    let biased = ((ax.to_bits() >> 52) & 0x7ff) as i32;
    // Exponent of the lowest set bit: ax = m * 2^low with m odd.
    let low = if biased == 0 {
        -1074 + trailing
    } else {
        biased - 1075 + trailing.min(52)
    };
    if n < 16 || low < -25 {
        return (digits, exp);
    }
    // Exact decimal expansion (a double has at most 767 significant digits).
    let (exact, ex) = split_sci(&format!("{ax:.800e}"));
    if ex != exp || exact.len() <= n {
        return (digits, exp);
    }
    let (head, rest) = exact.split_at(n);
    let tie = rest.starts_with('5') && rest[1..].bytes().all(|b| b == b'0');
    if !tie {
        return (digits, exp);
    }
    // Candidates: the truncation `head` and `head + 1` (last digit); dtoa takes the even one.
    let even = if head.bytes().last().is_some_and(|b| (b - b'0') % 2 == 0) {
        Some(head.to_string())
    } else {
        increment_digits(head)
    };
    if let Some(even) = even {
        let candidate = format!("{}.{}e{}", &even[..1], &even[1..], exp);
        if candidate.parse::<f64>().ok() == Some(ax) {
            return (even, exp);
        }
    }
    (digits, exp)
}

/// `digits + 1` in the last place, `None` on a carry out of the first digit.
fn increment_digits(digits: &str) -> Option<String> {
    let mut b = digits.as_bytes().to_vec();
    for d in b.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return String::from_utf8(b).ok();
        }
    }
    None
}

/// `days_since_login`, whose dtype follows the drift's Python type.
#[derive(Debug, Clone, PartialEq)]
pub enum Days {
    /// int64 (integer drift).
    Int(Vec<i64>),
    /// float64 (float drift).
    Float(Vec<f64>),
}

impl Days {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Days::Int(v) => v.len(),
            Days::Float(v) => v.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// numpy's dtype name.
    pub fn dtype(&self) -> &'static str {
        match self {
            Days::Int(_) => "int64",
            Days::Float(_) => "float64",
        }
    }

    /// Row `i` as float64 (what sklearn sees before its float32 cast), `None` out of range.
    pub fn get_f64(&self, i: usize) -> Option<f64> {
        match self {
            Days::Int(v) => v.get(i).map(|&d| d as f64),
            Days::Float(v) => v.get(i).copied(),
        }
    }

    /// The whole column as float64.
    pub fn to_f64(&self) -> Vec<f64> {
        match self {
            Days::Int(v) => v.iter().map(|&d| d as f64).collect(),
            Days::Float(v) => v.clone(),
        }
    }
}

/// The book's DataFrame: four typed columns of equal length (at least 1 row).
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    spend_per_active_day: Vec<f64>,
    is_recent: Vec<i64>,
    days_since_login: Days,
    churned: Vec<i64>,
}

impl Frame {
    /// A frame from its columns (in the book's order).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `rows` if the columns differ in length or are empty.
    pub fn new(
        spend_per_active_day: Vec<f64>,
        is_recent: Vec<i64>,
        days_since_login: Days,
        churned: Vec<i64>,
    ) -> Result<Frame> {
        let n = spend_per_active_day.len();
        if n == 0 || is_recent.len() != n || days_since_login.len() != n || churned.len() != n {
            return Err(Error::invalid(
                "rows",
                format!(
                    "{}/{}/{}/{}",
                    n,
                    is_recent.len(),
                    days_since_login.len(),
                    churned.len()
                ),
                "columns must be non-empty and of equal length",
            ));
        }
        Ok(Frame {
            spend_per_active_day,
            is_recent,
            days_since_login,
            churned,
        })
    }

    /// Number of rows (≥ 1).
    pub fn len(&self) -> usize {
        self.churned.len()
    }

    /// Always false: a frame has at least one row.
    pub fn is_empty(&self) -> bool {
        self.churned.is_empty()
    }

    /// `spend_per_active_day` (float64).
    pub fn spend_per_active_day(&self) -> &[f64] {
        &self.spend_per_active_day
    }

    /// `is_recent` (int64, 0 or 1).
    pub fn is_recent(&self) -> &[i64] {
        &self.is_recent
    }

    /// `days_since_login` (int64 or float64).
    pub fn days_since_login(&self) -> &Days {
        &self.days_since_login
    }

    /// `churned` (int64, 0 or 1).
    pub fn churned(&self) -> &[i64] {
        &self.churned
    }

    /// The labels `y = df.churned`.
    pub fn labels(&self) -> &[i64] {
        &self.churned
    }

    /// Row `i` of `X = df[["spend_per_active_day", "is_recent", "days_since_login"]]` as
    /// float64, or `None` if `i >= len()`.
    pub fn feature_row(&self, i: usize) -> Option<[f64; 3]> {
        let spend = *self.spend_per_active_day.get(i)?;
        let recent = *self.is_recent.get(i)? as f64;
        let days = self.days_since_login.get_f64(i)?;
        Some([spend, recent, days])
    }

    /// All rows of `X`, in [`FEATURES`] order.
    pub fn features(&self) -> Vec<[f64; 3]> {
        let days = self.days_since_login.to_f64();
        self.spend_per_active_day
            .iter()
            .zip(&self.is_recent)
            .zip(days)
            .map(|((&s, &r), d)| [s, r as f64, d])
            .collect()
    }

    /// `df.dtypes`: (column, numpy dtype) in column order.
    pub fn dtypes(&self) -> [(&'static str, &'static str); 4] {
        [
            (COLUMNS[0], "float64"),
            (COLUMNS[1], "int64"),
            (COLUMNS[2], self.days_since_login.dtype()),
            (COLUMNS[3], "int64"),
        ]
    }

    /// `df.to_csv(index=False)` as pandas writes it: header, `\n` line ends, floats as
    /// Python's `repr`.
    pub fn to_csv(&self) -> String {
        let mut out = String::with_capacity(self.len() * 48 + 64);
        out.push_str(&COLUMNS.join(","));
        out.push('\n');
        for i in 0..self.len() {
            let days = match &self.days_since_login {
                Days::Int(v) => v[i].to_string(),
                Days::Float(v) => py_repr(v[i]),
            };
            out.push_str(&py_repr(self.spend_per_active_day[i]));
            out.push(',');
            out.push_str(&self.is_recent[i].to_string());
            out.push(',');
            out.push_str(&days);
            out.push(',');
            out.push_str(&self.churned[i].to_string());
            out.push('\n');
        }
        out
    }
}

/// The book's `make_data(seed, drift)` with `rows` rows (the book uses 3000).
///
/// ```
/// use mlops_loop::data::{make_data, Drift};
/// let df = make_data(1, Drift::Float(0.0), 3000).unwrap();
/// assert_eq!(df.len(), 3000);
/// assert_eq!(df.dtypes()[2], ("days_since_login", "float64"));
/// ```
///
/// # Errors
/// [`Error::Invalid`] naming `rows` if it is 0 or above [`MAX_ROWS`], or `drift` if an int drift
/// overflows int64 when added (numpy would silently wrap around).
pub fn make_data(seed: u128, drift: Drift, rows: usize) -> Result<Frame> {
    make_data_from(&SeedSequence::from_u128(seed), drift, rows)
}

/// `days + drift` for an int drift, refusing what would overflow int64 (numpy wraps around).
///
/// # Errors
/// [`Error::Invalid`] naming `drift`.
pub(crate) fn add_int_drift(days: i64, drift: i64) -> Result<i64> {
    days.checked_add(drift).ok_or_else(|| {
        Error::invalid(
            "drift",
            drift,
            "days + drift overflows int64 (numpy would wrap around silently)",
        )
    })
}

/// [`make_data`] for a seed of any size, given as its `SeedSequence` (see
/// [`SeedSequence::from_decimal`]).
///
/// # Errors
/// As [`make_data`].
pub fn make_data_from(seed: &SeedSequence, drift: Drift, rows: usize) -> Result<Frame> {
    if rows == 0 || rows > MAX_ROWS {
        return Err(Error::invalid(
            "rows",
            rows,
            format!("must be between 1 and {MAX_ROWS}"),
        ));
    }
    let mut rng = Generator::from_seed_sequence(seed);
    let ints = rng.integers(0, 90, rows)?;
    let days = match drift {
        Drift::Int(d) => {
            let mut v = Vec::with_capacity(rows);
            for &x in &ints {
                v.push(add_int_drift(x, d)?);
            }
            Days::Int(v)
        }
        // int64 array + Python float -> float64: each int converted, then added.
        Drift::Float(d) => Days::Float(ints.iter().map(|&x| x as f64 + d).collect()),
    };
    let spend = rng.exponential(5.0, rows)?;
    // (days < 30).astype(int) and days / 30 (true division in float64).
    let (is_recent, scaled): (Vec<i64>, Vec<f64>) = match &days {
        Days::Int(v) => v
            .iter()
            .map(|&d| (i64::from(d < 30), d as f64 / 30.0))
            .unzip(),
        Days::Float(v) => v.iter().map(|&d| (i64::from(d < 30.0), d / 30.0)).unzip(),
    };
    // 1 / (1 + np.exp(-(days / 30 - 1))), elementwise in that order. `days` takes at most 90
    // values (the draw plus a fixed drift), so each distinct scaled value's exp is computed once:
    // the same function of the same input, hence the same bits, about 30 times fewer exp calls.
    let mut memo: Vec<Option<(u64, f64)>> = vec![None; 90];
    let probs: Vec<f64> = scaled
        .iter()
        .zip(&ints)
        .map(|(&s, &x)| {
            let slot = usize::try_from(x).ok().and_then(|i| memo.get_mut(i));
            match slot {
                Some(Some((bits, p))) if *bits == s.to_bits() => *p,
                Some(slot) => {
                    let p = 1.0 / (1.0 + crate::libm::exp(-(s - 1.0)));
                    *slot = Some((s.to_bits(), p));
                    p
                }
                None => 1.0 / (1.0 + crate::libm::exp(-(s - 1.0))),
            }
        })
        .collect();
    let churned = rng.binomial_each(1, &probs)?;
    Frame::new(spend, is_recent, days, churned)
}

/// Column `name` of `df` as float64 (the model's three features, or `churned`).
///
/// # Errors
/// [`Error::Invalid`] naming `column` for an unknown name.
pub fn column(df: &Frame, name: &str) -> Result<Vec<f64>> {
    match name {
        "spend_per_active_day" => Ok(df.spend_per_active_day().to_vec()),
        "is_recent" => Ok(df.is_recent().iter().map(|&v| v as f64).collect()),
        "days_since_login" => Ok(df.days_since_login().to_f64()),
        "churned" => Ok(df.churned().iter().map(|&v| v as f64).collect()),
        _ => Err(Error::invalid(
            "column",
            name,
            "expected spend_per_active_day, is_recent, days_since_login or churned",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_literals() {
        let ok = |s: &str| Drift::parse(s).ok();
        assert_eq!(ok("0"), Some(Drift::Int(0)));
        assert_eq!(ok("00"), Some(Drift::Int(0)));
        assert_eq!(ok("+7"), Some(Drift::Int(7)));
        assert_eq!(ok("1_000"), Some(Drift::Int(1000)));
        assert_eq!(ok("0x10"), Some(Drift::Int(16)));
        assert_eq!(ok("0x_1f"), Some(Drift::Int(31)));
        assert_eq!(ok("-0b101"), Some(Drift::Int(-5)));
        assert_eq!(ok("0o17"), Some(Drift::Int(15)));
        assert_eq!(ok("-9223372036854775808"), Some(Drift::Int(i64::MIN)));
        assert_eq!(ok("10."), Some(Drift::Float(10.0)));
        assert_eq!(ok(".5"), Some(Drift::Float(0.5)));
        assert_eq!(ok("1e3"), Some(Drift::Float(1000.0)));
        assert_eq!(ok("1_0.2_5"), Some(Drift::Float(10.25)));
        assert_eq!(ok("-3.0"), Some(Drift::Float(-3.0)));
        assert_eq!(ok("010.5"), Some(Drift::Float(10.5)));
        assert_eq!(ok("1E-2"), Some(Drift::Float(0.01)));
        for bad in [
            "",
            "-",
            "010",
            "1__0",
            "_1",
            "1_",
            "0x",
            "0x_",
            "1.2.3",
            "ten",
            "nan",
            "inf",
            "-inf",
            "1e400",
            "1j",
            "True",
            "1e",
            ".",
            "e3",
            "0b2",
            "--3",
            "9223372036854775808",
            "1.0_",
            "1_.0",
            "1e_3",
        ] {
            let e = Drift::parse(bad);
            assert!(e.is_err(), "{bad:?} accepted as {e:?}");
            let msg = e.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(msg.contains("drift") && msg.contains(bad), "{msg}");
        }
    }

    #[test]
    fn repr_matches_python_rules() {
        for (x, s) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e16, "1e+16"),
            (9999999999999998.0, "9999999999999998.0"),
            (123.456, "123.456"),
            (-2.5e-7, "-2.5e-07"),
            (1e100, "1e+100"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            // An exact tie between two 17-digit candidates: dtoa rounds half to even.
            (f64::from_bits(0xc2e3_de34_7e9d_68e4), "-174760675044167.12"),
        ] {
            assert_eq!(py_repr(x), s);
        }
    }

    #[test]
    fn rows_bounds() {
        assert!(make_data(0, Drift::Int(0), 0).is_err());
        assert!(make_data(0, Drift::Int(0), MAX_ROWS + 1).is_err());
        assert!(make_data(0, Drift::Int(i64::MAX), 10).is_err());
        assert!(make_data(0, Drift::Int(i64::MAX - 89), 10).is_ok());
    }
}
