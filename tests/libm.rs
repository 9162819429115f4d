//! Parity of `mlops_loop::libm` with glibc 2.36's `exp`, `log`, `log1p` (FMA builds), by bits.
//!
//! Two kinds of test:
//! - `golden_*` and `specials` (every platform; on wasm32 in headless Chromium via
//!   wasm-bindgen-test): the committed fixture `tests/fixtures/libm_golden.json`, (input
//!   bits, output bits) pairs produced by the system glibc through ctypes
//!   (`tests/oracle/gen_libm_golden.py`).
//! - `native_*` (Linux x86-64 glibc only): natively, Rust's `f64::exp/ln/ln_1p` *are* the
//!   system glibc (its ifunc picks the FMA builds on FMA+AVX2 CPUs), so millions of random
//!   inputs are compared with them. `LIBM_TEST_SCALE=k` multiplies the counts by k.

use mlops_loop::libm::{exp, log, log1p};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Outputs are equal when their bits are, or when both are NaN (payload/sign not promised).
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn parse_bits(s: &str) -> u64 {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn golden(name: &str, f: fn(f64) -> f64) {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/libm_golden.json")).expect("fixture parses");
    let rows = fixture[name]
        .as_array()
        .expect("function present in fixture");
    assert!(rows.len() >= 2000, "{name}: only {} rows", rows.len());
    let mut bad = Vec::new();
    for row in rows {
        let x = f64::from_bits(parse_bits(row[0].as_str().expect("input bits")));
        let want = f64::from_bits(parse_bits(row[1].as_str().expect("output bits")));
        let got = f(x);
        if !same(got, want) {
            bad.push(format!(
                "{name}({x:e} = {:#018x}) = {got:e}, glibc {want:e}",
                x.to_bits()
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} differ:\n{}",
        bad.len(),
        rows.len(),
        bad.join("\n")
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn golden_exp() {
    golden("exp", exp);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn golden_log() {
    golden("log", log);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn golden_log1p() {
    golden("log1p", log1p);
}

/// Hand-picked values whose glibc results are stated (no fixture needed to read them).
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn specials() {
    assert_eq!(exp(0.0).to_bits(), 1.0f64.to_bits());
    assert_eq!(exp(-0.0).to_bits(), 1.0f64.to_bits());
    assert_eq!(exp(f64::INFINITY), f64::INFINITY);
    assert_eq!(exp(f64::NEG_INFINITY).to_bits(), 0);
    assert_eq!(exp(710.0), f64::INFINITY);
    assert_eq!(exp(-746.0).to_bits(), 0);
    assert_eq!(exp(-745.0).to_bits(), 1); // smallest subnormal
    assert!(exp(f64::NAN).is_nan());
    assert_eq!(log(1.0).to_bits(), 0);
    assert_eq!(log(0.0), f64::NEG_INFINITY);
    assert_eq!(log(-0.0), f64::NEG_INFINITY);
    assert_eq!(log(f64::INFINITY), f64::INFINITY);
    assert!(log(-1e-300).is_nan() && log(f64::NEG_INFINITY).is_nan() && log(f64::NAN).is_nan());
    assert_eq!(log(f64::from_bits(1)).to_bits(), 0xc087_4385_446d_71c3); // -744.44007...
    assert_eq!(log1p(0.0).to_bits(), 0);
    assert_eq!(log1p(-0.0).to_bits(), (-0.0f64).to_bits());
    assert_eq!(log1p(-1.0), f64::NEG_INFINITY);
    assert!(log1p(-1.5).is_nan() && log1p(f64::NEG_INFINITY).is_nan() && log1p(f64::NAN).is_nan());
    assert_eq!(log1p(f64::INFINITY), f64::INFINITY);
    assert_eq!(log1p(1e-300).to_bits(), 1e-300f64.to_bits());
}

#[cfg(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu"))]
mod native {
    use super::{exp, log, log1p, same};
    use mlops_loop::libm::fma;

    /// splitmix64: a small deterministic generator for test inputs.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        /// numpy's next_double: (u64 >> 11) * 2^-53, in [0, 1).
        fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
        }
        /// A double with the given sign and a biased exponent uniform in [lo, hi].
        fn with_exponent(&mut self, lo: u64, hi: u64, negative: bool) -> f64 {
            let e = lo + self.next() % (hi - lo + 1);
            let bits = (e << 52) | (self.next() & ((1 << 52) - 1));
            f64::from_bits(bits | if negative { 1 << 63 } else { 0 })
        }
    }

    fn scale() -> usize {
        std::env::var("LIBM_TEST_SCALE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1)
    }

    /// Compares `ours` with glibc (`theirs`) on `n` inputs from `gen`; returns the count.
    fn compare(
        label: &str,
        n: usize,
        ours: fn(f64) -> f64,
        theirs: fn(f64) -> f64,
        mut gen: impl FnMut() -> f64,
    ) -> usize {
        let mut bad = Vec::new();
        let mut mismatches = 0usize;
        for _ in 0..n {
            let x = gen();
            let (a, b) = (ours(x), theirs(x));
            if !same(a, b) {
                mismatches += 1;
                if bad.len() < 10 {
                    bad.push(format!(
                        "x = {x:e} ({:#018x}): ours {a:e}, glibc {b:e}",
                        x.to_bits()
                    ));
                }
            }
        }
        assert_eq!(
            mismatches,
            0,
            "{label}: {mismatches} of {n} differ, e.g.\n{}",
            bad.join("\n")
        );
        eprintln!("{label}: {n} inputs, 0 mismatches");
        n
    }

    fn glibc_exp(x: f64) -> f64 {
        x.exp()
    }
    fn glibc_log(x: f64) -> f64 {
        x.ln()
    }
    fn glibc_log1p(x: f64) -> f64 {
        x.ln_1p()
    }

    #[test]
    fn native_exp_matches_glibc() {
        let k = scale();
        let mut r = Rng(1);
        let mut n = 0;
        n += compare("exp [-40,40]", 8_000_000 * k, exp, glibc_exp, || {
            -40.0 + 80.0 * r.unit()
        });
        let mut r = Rng(2);
        n += compare("exp [-746,710]", 2_000_000 * k, exp, glibc_exp, || {
            -746.0 + 1456.0 * r.unit()
        });
        let mut r = Rng(3);
        // every exponent from 2^-60 to 2^11, both signs: tiny, normal, 512 <= |x| < 1024 paths
        n += compare("exp by exponent", 2_000_000 * k, exp, glibc_exp, || {
            let neg = r.next() & 1 == 1;
            r.with_exponent(0x3c3, 0x40a, neg)
        });
        let mut r = Rng(4);
        n += compare("exp any bits", 1_000_000 * k, exp, glibc_exp, || {
            f64::from_bits(r.next())
        });
        // the subnormal-result band, densely
        let mut r = Rng(5);
        n += compare("exp [-745.2,-708]", 1_000_000 * k, exp, glibc_exp, || {
            -745.2 + 37.2 * r.unit()
        });
        eprintln!("exp total: {n}");
    }

    #[test]
    fn native_log_matches_glibc() {
        let k = scale();
        let mut r = Rng(11);
        let mut n = 0;
        n += compare("log (0,1e6]", 6_000_000 * k, log, glibc_log, || {
            1e6 * (1.0 - r.unit())
        });
        let mut r = Rng(12);
        n += compare("log near 1", 2_000_000 * k, log, glibc_log, || {
            0.9 + 0.2 * r.unit()
        });
        let mut r = Rng(13);
        n += compare("log (0,1)", 2_000_000 * k, log, glibc_log, || {
            1.0 - r.unit()
        });
        let mut r = Rng(14);
        // all positive exponents incl. subnormals (biased exponent 0)
        n += compare("log by exponent", 2_000_000 * k, log, glibc_log, || {
            r.with_exponent(0, 0x7fe, false)
        });
        let mut r = Rng(15);
        n += compare("log subnormal", 500_000 * k, log, glibc_log, || {
            f64::from_bits(r.next() & ((1 << 52) - 1))
        });
        let mut r = Rng(16);
        n += compare("log any bits", 1_000_000 * k, log, glibc_log, || {
            f64::from_bits(r.next())
        });
        eprintln!("log total: {n}");
    }

    #[test]
    fn native_log1p_matches_glibc() {
        let k = scale();
        let mut r = Rng(21);
        let mut n = 0;
        // numpy's ziggurat tail: log1p(-U), U = next_double in [0, 1)
        n += compare("log1p(-U)", 8_000_000 * k, log1p, glibc_log1p, || -r.unit());
        let mut r = Rng(22);
        n += compare("log1p (-1,1]", 2_000_000 * k, log1p, glibc_log1p, || {
            1.0 - 2.0 * r.unit()
        });
        let mut r = Rng(23);
        // positive up to 1e10 by exponent (2^-70 .. 2^33)
        n += compare("log1p (0,1e10]", 2_000_000 * k, log1p, glibc_log1p, || {
            r.with_exponent(0x3b9, 0x420, false)
        });
        let mut r = Rng(24);
        // negative small magnitudes by exponent (tiny and |x| < 2^-29 paths)
        n += compare(
            "log1p (-1,0) by exponent",
            2_000_000 * k,
            log1p,
            glibc_log1p,
            || r.with_exponent(0x300, 0x3fe, true),
        );
        let mut r = Rng(25);
        n += compare("log1p any bits", 1_000_000 * k, log1p, glibc_log1p, || {
            f64::from_bits(r.next())
        });
        eprintln!("log1p total: {n}");
    }

    /// The FMA emulation against the hardware FMA (`f64::mul_add` natively calls glibc's `fma`,
    /// which uses the FMA instruction on this CPU): random operands, cancellations and
    /// near-ties (c chosen so that a·b + c falls close to a rounding boundary), operands at the
    /// edges of the fast path, and arbitrary bit patterns.
    #[test]
    fn native_fma_emulation_matches_hardware() {
        let n = 4_000_000 * scale();
        let mut rng = Rng(0x0f3a_u64);
        let mut bad = Vec::new();
        let mut total = 0usize;
        let mut check = |a: f64, b: f64, c: f64, bad: &mut Vec<String>| {
            total += 1;
            let (x, y) = (fma(a, b, c), a.mul_add(b, c));
            if !same(x, y) && bad.len() < 10 {
                bad.push(format!("fma({a:e}, {b:e}, {c:e}) = {x:e}, hardware {y:e}"));
            }
        };
        for i in 0..n {
            let (sa, sb, sc) = (
                rng.next() & 1 == 1,
                rng.next() & 1 == 1,
                rng.next() & 1 == 1,
            );
            let a = rng.with_exponent(1023 - 60, 1023 + 60, sa);
            let b = rng.with_exponent(1023 - 60, 1023 + 60, sb);
            let uh = a * b;
            let eu = (uh.to_bits() >> 52) & 0x7ff;
            let c = match i % 8 {
                // just below or above the midpoint between uh and its neighbour
                6 | 7 => {
                    let half = f64::from_bits((eu.max(54) - 53) << 52);
                    let k = (rng.next() % 8) as f64 * f64::EPSILON;
                    let sign = if sc { 1.0 } else { -1.0 };
                    sign * half * if i % 8 == 6 { 1.0 - k } else { 1.0 + k }
                }
                // anything of a comparable size
                0 => rng.with_exponent(eu.saturating_sub(60).max(1), (eu + 60).min(2000), sc),
                // exact cancellation of the rounded product: the result is the product's error
                1 => -uh,
                // near-cancellation a few ulps away
                2 => {
                    -uh + (rng.next() % 64) as f64
                        * f64::from_bits((eu.max(60) - 52) << 52)
                        * if sc { 1.0 } else { -1.0 }
                }
                // c tiny against a·b: the sum sits near a rounding boundary of a·b
                3 => rng.with_exponent(
                    eu.saturating_sub(110).max(1),
                    eu.saturating_sub(50).max(1),
                    sc,
                ),
                // c huge against a·b
                4 => rng.with_exponent((eu + 50).min(1990), (eu + 110).min(1999), sc),
                // half an ulp of uh, either sign: exact ties before the product error
                5 => f64::from_bits((eu.max(54) - 53) << 52) * if sc { 1.0 } else { -1.0 },
                _ => unreachable!(),
            };
            check(a, b, c, &mut bad);
        }
        for _ in 0..n / 4 {
            // the borders of the fast path and far beyond
            let signs = rng.next();
            let a = rng.with_exponent(560, 1480, signs & 1 == 1);
            let b = rng.with_exponent(560, 1480, signs & 2 == 2);
            let c = rng.with_exponent(1, 2046, signs & 4 == 4);
            check(a, b, c, &mut bad);
            // any bit patterns: zeros, subnormals, inf, NaN
            let (a, b, c) = (
                f64::from_bits(rng.next()),
                f64::from_bits(rng.next()),
                f64::from_bits(rng.next()),
            );
            check(a, b, c, &mut bad);
        }
        assert!(bad.is_empty(), "fma emulation differs:\n{}", bad.join("\n"));
        eprintln!("fma: {total} inputs, 0 mismatches");
    }
}
