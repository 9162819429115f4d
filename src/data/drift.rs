//! The data's one parameter as the book's Python sees it: a `drift` literal keeps Python's int
//! or float type (`10` leaves `days_since_login` int64, `10.0` makes it float64, so the two give
//! different fingerprints), parsed as `ast.literal_eval` would and shown as Python's `repr`.

use crate::{Error, Result};

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
}
