//! The engine's sentences as people read them in a terminal: the same rule as the page's
//! `fmt.text` (www/src/format.js), so the CLI's table and the page's timeline say the same thing.

/// `s` with every decimal number of more than 4 significant digits rounded to 4
/// (`p = 2.1939649929677082e-1` → `p = 0.2194`, `4.2e-9` stays); whole numbers, versions
/// (`1.1.0`) and hex fingerprints are left alone. Exact values stay in `--json`.
pub fn readable(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        let starts = b[i].is_ascii_digit()
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'_' | b'.')));
        if !starts {
            i += 1;
            continue;
        }
        let end = number_end(b, i);
        let token = &s[i..end];
        if let Some(short) = shorter(token, &b[end..]) {
            out.push_str(&s[copied..i]);
            out.push_str(&short);
            copied = end;
        }
        i = end.max(i + 1);
    }
    out.push_str(&s[copied..]);
    out
}

/// The end of the number starting at `i`: digits, an optional `.digits`, an optional exponent.
fn number_end(b: &[u8], i: usize) -> usize {
    let digits = |mut j: usize| {
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        j
    };
    let mut j = digits(i);
    if j + 1 < b.len() && b[j] == b'.' && b[j + 1].is_ascii_digit() {
        j = digits(j + 1);
    }
    if j < b.len() && matches!(b[j], b'e' | b'E') {
        let k = if j + 1 < b.len() && matches!(b[j + 1], b'+' | b'-') {
            j + 2
        } else {
            j + 1
        };
        if k < b.len() && b[k].is_ascii_digit() {
            j = digits(k);
        }
    }
    j
}

/// The rounded form of `token` when it is a decimal number (a fraction or an exponent) with more
/// than 4 significant digits and not the head of a longer token with digits (`1.1.0`, `3e5f`).
fn shorter(token: &str, rest: &[u8]) -> Option<String> {
    let decimal = token.contains(['.', 'e', 'E']);
    let tail = rest
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.'))
        .any(u8::is_ascii_digit);
    if !decimal || tail {
        return None;
    }
    let mantissa = token.split(['e', 'E']).next().unwrap_or(token);
    let sig = mantissa.replace('.', "").trim_start_matches('0').len();
    if sig <= 4 {
        return None;
    }
    let v: f64 = token.parse().ok()?;
    Some(four_digits(v))
}

/// `v` to 4 significant digits as the page's `fmt.num` writes it: below 0.001 or from 10^6 on in
/// Python's exponent form with two decimals (`2.48e-09`), else `toPrecision(4)`: fixed point
/// without trailing zeros, or `1.235e+5` from 10^4 on.
fn four_digits(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        let e = format!("{v:.2e}");
        let (m, x) = e.split_once('e').unwrap_or((&e, "0"));
        let (sign, digits) = x.strip_prefix('-').map_or(("+", x), |d| ("-", d));
        return format!("{m}e{sign}{digits:0>2}");
    }
    // The exponent after rounding to 4 digits decides how many decimals those 4 digits need.
    let e = format!("{v:.3e}");
    let (m, x) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = x.parse().unwrap_or(0);
    if exp >= 4 {
        // JavaScript's `toPrecision(4)` switches to its exponent form here (`1.235e+5`).
        return format!("{m}e+{exp}");
    }
    let decimals = usize::try_from(3 - exp).unwrap_or(0);
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::readable;

    #[test]
    fn long_decimals_are_rounded_and_the_rest_is_left_alone() {
        let cases = [
            (
                "no drift at alpha = 0.01, Bonferroni (smallest p = 2.1939649929677082e-1 on spend): keep",
                "no drift at alpha = 0.01, Bonferroni (smallest p = 0.2194 on spend): keep",
            ),
            ("p = 2.478452270821555e-9", "p = 2.48e-09"),
            ("AUC 0.71234567 vs 0.7", "AUC 0.7123 vs 0.7"),
            ("9.99996 rounds up", "10 rounds up"),
            ("−0.123456 and 123456.789", "−0.1235 and 1.235e+5"),
            ("1234567.5", "1.23e+06"),
            ("v1.1.0 and 1.1.0 and 12.3456.7", "v1.1.0 and 1.1.0 and 12.3456.7"),
            ("fingerprint 3f2a1b9c0d4e, week 12345678", "fingerprint 3f2a1b9c0d4e, week 12345678"),
            ("x1.234567 a_0.123456", "x1.234567 a_0.123456"),
            ("4.2e-9, 1e-300 and 0.5.", "4.2e-9, 1e-300 and 0.5."),
            ("ends with 0.123456", "ends with 0.1235"),
            ("", ""),
        ];
        for (given, want) in cases {
            assert_eq!(readable(given), want, "{given}");
        }
    }
}
