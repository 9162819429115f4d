//! glibc-compatible `exp`, `log`, `log1p`, in pure Rust, identical natively and on wasm32.
//!
//! Place in the loop: the book's numbers pass through glibc's libm in three spots: numpy's
//! exponential sampler (`r - log1p(-U)` in the ziggurat tail), numpy's binomial inversion
//! (`exp(n * log1p(-p))`) and the churn probability / GBM link (`exp`, `log`). Rust's
//! `f64::exp/ln/ln_1p` call the platform libm (glibc natively on Linux, a musl-derived port on
//! wasm32) and differ from glibc in the last bit on some inputs, so the crate carries its own.
//!
//! What is reproduced: Debian 12's glibc 2.36 on x86-64 CPUs with FMA and AVX2, where glibc's
//! ifunc selects the builds compiled with `-mfma -mavx2` (`__exp_fma`, `__log_fma`,
//! `__log1p_fma`). Every place where those builds use a fused multiply-add (read off the
//! disassembly of that libm.so.6: `vfmadd*`/`vfnmadd*`/`vfmsub*`) is a call to [`fma`] here, a
//! correctly rounded fused multiply-add that is fast on wasm32 too (see its doc); every other operation
//! is one IEEE-754 `+ - * /` in the same order. No FFI, no `unsafe`, no panics: all inputs
//! (NaN, ±inf, ±0, negatives, subnormals) follow glibc's special-case paths. NaN results are
//! NaN but their sign/payload bits are not promised.
//!
//! - [`exp`] mirrors glibc `sysdeps/ieee754/dbl-64/e_exp.c` (the ARM optimized-routines exp:
//!   N = 128 table of 2^(k/N) with tail, degree-5 polynomial, `Shift = 0x1.8p52`).
//! - [`log`] mirrors glibc `sysdeps/ieee754/dbl-64/e_log.c` (ARM optimized-routines log:
//!   N = 128 `invc`/`logc` table, `r = fma(z, invc, -1)`, own polynomial near 1.0).
//! - [`log1p`] mirrors glibc `sysdeps/ieee754/dbl-64/s_log1p.c` (fdlibm's log1p, Sun
//!   Microsystems 1993, in glibc's evaluation order).
//!
//! The tables (`libm_tables.rs`) are generated from their mathematical definitions by
//! `tests/oracle/gen_libm_tables.py` (the log table by re-running log_data.c's search rule);
//! `tests/oracle/gen_libm_check_tables.py` confirms they equal glibc's 256/256 entries each.
//! Verification: `tests/libm.rs` compares bit for bit against the system glibc (Linux x86-64)
//! on many millions of inputs, and against a committed golden fixture on every platform.

#[rustfmt::skip]
#[path = "libm_tables.rs"]
mod tables;

use tables::{EXP_TAB, LOG_TAB};

// ------------------------------------------------------------------------------- fma
/// `a + b` as a pair `(s, e)` with `s = RN(a + b)` and `s + e = a + b` exactly (Knuth's TwoSum;
/// exact whenever `a + b` does not overflow, subnormals included).
#[inline(always)]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// Veltkamp's split of `a` into 26 + 27 significant bits (`hi + lo = a` exactly).
#[inline(always)]
fn split(a: f64) -> (f64, f64) {
    const C: f64 = 134_217_729.0; // 2^27 + 1
    let t = C * a;
    let hi = t - (t - a);
    (hi, a - hi)
}

/// `a · b` as `(p, e)` with `p = RN(a · b)` and `p + e = a · b` exactly (Dekker's product,
/// without a hardware FMA); exact when neither the split nor the error term under/overflows.
#[inline(always)]
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
}

/// `x + y` rounded to odd: exact if representable, else the bracketing double whose last
/// significand bit is 1.
#[inline(always)]
fn add_round_to_odd(x: f64, y: f64) -> f64 {
    let (s, e) = two_sum(x, y);
    if e != 0.0 && s.to_bits() & 1 == 0 {
        // One step from s towards the exact value s + e (|e| < ulp, so that neighbour is odd).
        let bits = s.to_bits();
        f64::from_bits(if (e > 0.0) == (s > 0.0) {
            bits + 1
        } else {
            bits - 1
        })
    } else {
        s
    }
}

const TWO_M52: f64 = d(0x3cb0_0000_0000_0000);
const TWO_M53: f64 = d(0x3ca0_0000_0000_0000);
/// 1 − 2^-50
const HS_MARGIN: f64 = d(0x3fef_ffff_ffff_fff8);

/// Biased exponents 623..1423 (2^-400 ≤ |v| < 2^400): Dekker's product of two such numbers is
/// exact, with no overflow in the split and no underflow in the error term.
#[inline(always)]
fn moderate(v: f64) -> bool {
    ((v.to_bits() >> 52) & 0x7ff).wrapping_sub(623) < 800
}

/// The correctly rounded fused multiply-add `RN(a · b + c)`, bit for bit what an FMA instruction
/// (and [`f64::mul_add`]) returns.
///
/// WebAssembly has no scalar FMA, so `f64::mul_add` there is a slow integer emulation; the
/// gradient-boosting fit calls `exp` a quarter of a million times. This uses the algorithm of
/// Boldo & Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms using
/// rounding to odd" (IEEE Trans. Computers 57(4), 2008): with `(uh, ul) = a·b` exactly (Dekker)
/// and `(th, tl) = c + uh` exactly (TwoSum), `RN(a·b + c) = RN(th + RO(tl + ul))`, RO rounding to
/// odd. It holds when nothing under- or overflows, which operands in 2^-400..2^400 and a finite
/// `|c| < 2^977` guarantee; anything else (zeros, huge or tiny operands, inf, NaN) takes
/// `f64::mul_add`. `tests/libm.rs` compares it with the hardware FMA on many millions of random
/// and near-tie inputs.
///
/// ```
/// use mlops_loop::libm::fma;
/// let (a, b) = (1.0 + f64::EPSILON, 1.0 - f64::EPSILON);
/// // a·b − 1 = −ε² exactly; a * b − 1.0 rounds to 0.
/// assert_eq!(fma(a, b, -1.0), -f64::EPSILON * f64::EPSILON);
/// assert_eq!(a * b - 1.0, 0.0);
/// ```
#[inline]
pub fn fma(a: f64, b: f64, c: f64) -> f64 {
    let ec = (c.to_bits() >> 52) & 0x7ff;
    if moderate(a) && moderate(b) && ec < 2000 {
        // Filter: with p = RN(a·b) and (s, e) = TwoSum(p, c), the exact a·b + c is s + δ with
        // δ = e + (a·b − p) and |a·b − p| ≤ |p|·2^-53. If |δ| is below `hs`, half the gap from s
        // to its nearer neighbour, then RN(s + δ) = s: the plain sum is already the fused result.
        // The bound below is computed with a margin (|p|·2^-52, hs·(1 − 2^-50)) that covers the
        // roundings of the test itself; it fails only for near-ties, which take the exact path.
        let p = a * b;
        let (s, e) = two_sum(p, c);
        let es = (s.to_bits() >> 52) & 0x7ff;
        if es > 55 && es < 2046 {
            // hs = 2^(E-53), or 2^(E-54) below a power of two (the gap under it is half as wide).
            let pow2 = s.to_bits() & ((1 << 52) - 1) == 0;
            let hs = f64::from_bits((es - 53 - u64::from(pow2)) << 52);
            if e.abs() + p.abs() * TWO_M52 < hs * HS_MARGIN {
                return s;
            }
        }
        let (uh, ul) = two_prod(a, b);
        let (th, tl) = two_sum(c, uh);
        th + add_round_to_odd(tl, ul)
    } else {
        a.mul_add(b, c)
    }
}

/// A double from its IEEE-754 bit pattern.
const fn d(bits: u64) -> f64 {
    f64::from_bits(bits)
}

// ------------------------------------------------------------------------------- exp
// Constants of glibc 2.36 `__exp_data` (exp_data.c), N = 128.
/// 0x1.71547652b82fep0 * N
const EXP_INV_LN2_N: f64 = d(0x4067_1547_652b_82fe);
/// -0x1.62e42fefa0000p-8 (high part of ln2/N, trailing zeros so k * it is exact)
const EXP_NEG_LN2_HI_N: f64 = d(0xbf76_2e42_fefa_0000);
/// -0x1.cf79abc9e3b3ap-47 (low part of ln2/N)
const EXP_NEG_LN2_LO_N: f64 = d(0xbd0c_f79a_bc9e_3b3a);
/// 0x1.8p52: adding it rounds to an integer held in the low mantissa bits.
const EXP_SHIFT: f64 = d(0x4338_0000_0000_0000);
/// Polynomial coefficients C2..C5 of exp(r) - 1 - r.
const EXP_C2: f64 = d(0x3fdf_ffff_ffff_fdbd);
const EXP_C3: f64 = d(0x3fc5_5555_5555_543c);
const EXP_C4: f64 = d(0x3fa5_5555_cf17_2b91);
const EXP_C5: f64 = d(0x3f81_1111_67a4_d017);
const TWO_P1009: f64 = d(0x7f00_0000_0000_0000);
const TWO_M1022: f64 = d(0x0010_0000_0000_0000);

/// `exp(x)` bit for bit as glibc 2.36's FMA build computes it.
///
/// ```
/// use mlops_loop::libm::exp;
/// assert_eq!(exp(0.0), 1.0);
/// assert_eq!(exp(1.0).to_bits(), 0x4005_bf0a_8b14_5769); // e
/// assert_eq!(exp(f64::NEG_INFINITY), 0.0);
/// ```
pub fn exp(x: f64) -> f64 {
    let ix = x.to_bits();
    // top12(x) & 0x7ff; special cases are |x| < 2^-54, |x| >= 512, inf, NaN.
    let mut abstop = ((ix >> 52) & 0x7ff) as u32;
    if abstop.wrapping_sub(0x3c9) >= 0x408 - 0x3c9 {
        if abstop.wrapping_sub(0x3c9) >= 0x8000_0000 {
            // |x| < 2^-54 (tiny or zero)
            return 1.0 + x;
        }
        if abstop >= 0x409 {
            // |x| >= 1024, inf or NaN
            if ix == f64::NEG_INFINITY.to_bits() {
                return 0.0;
            }
            if abstop >= 0x7ff {
                return 1.0 + x;
            }
            // __math_uflow(0) / __math_oflow(0)
            return if ix >> 63 != 0 { 0.0 } else { f64::INFINITY };
        }
        // 512 <= |x| < 1024: the result may overflow or be subnormal, handled below.
        abstop = 0;
    }
    if abstop != 0 {
        if let Some(y) = exp_main(x) {
            return y;
        }
    }
    exp_fused(x, abstop)
}

/// Whether `s` is the fused `RN(a·b + c)`, given `p = RN(a·b)`, `s = RN(p + c)` and the sum's
/// exact error `e` (`s + e = p + c`), when `hs` is at most half the gap from `s` to either
/// neighbour: the exact `a·b + c` is `s + e + δ` with `|δ| = |a·b − p| ≤ |p|·2^-53`, so `s` is its
/// rounding when `|e| + |p|·2^-53 < hs`. The test as computed, `RN(|e| + |p|·2^-53) <
/// hs·(1 − 2^-50)`, implies it (its one rounding is below 2^-53 relative). The caller guarantees
/// `|p| ≥ 2^-969` (so `δ`'s bound holds and the scaling is exact) or an exact zero product.
#[inline(always)]
fn rounds_to_plain(p: f64, e: f64, hs: f64) -> bool {
    e.abs() + p.abs() * TWO_M53 < hs * HS_MARGIN
}

/// [`rounds_to_plain`] with `hs` read off `s`: half its spacing, a quarter at a power of two
/// (the gap below it is half as wide); false unless `2^-967 ≤ |s| < 2^1023`.
#[inline(always)]
fn plain_is_fused(p: f64, s: f64, e: f64) -> bool {
    let es = (s.to_bits() >> 52) & 0x7ff;
    let pow2 = s.to_bits() & ((1 << 52) - 1) == 0;
    let hs = f64::from_bits(es.wrapping_sub(53 + u64::from(pow2)) << 52);
    // 55 < es < 2046 (outside, the shift above wraps: the result is unused).
    (es.wrapping_sub(56) < 1990) & rounds_to_plain(p, e, hs)
}

/// [`exp`] for `2^-54 ≤ |x| < 512` with each fused multiply-add of [`exp_fused`] computed as a
/// plain product and sum, when tests prove that the plain result equals the fused one; `None`
/// (then [`exp_fused`] runs) when one of them cannot tell, which happens for a few inputs in
/// 10^5 (near ties of a rounding, or `|r|` outside `[2^-240, 2^-7)`, which needs `x` within
/// 2^-240 of a multiple of ln2/128). The tests, in the order of `exp_fused`'s operations:
///
/// - `kd_shifted = fma(x, InvLn2N, Shift)`: with `z = RN(x·InvLn2N)` (`|z| < 2^17`, so
///   `|x·InvLn2N − z| ≤ 2^-37`) the plain sum is `Shift + kd`, `kd` the integer nearest `z`, and
///   `dz = z − kd` is exact. If `|dz| < 1/2 − 2^-30`, the exact `x·InvLn2N` is within less than
///   1/2 of `kd` too, so the fused sum (in `[2^52, 2^53)`, spacing 1) is also `Shift + kd`.
/// - `r = fma(kd, NegLn2loN, inner)`: [`plain_is_fused`] (the product is 0 or above 2^-47).
/// - `fma(r, C5, C4)` and `fma(r, C3, C2)`: with `|r| < 2^-7` the sums stay in one binade
///   (near 0.0417: half-gap 2^-58), or next to 0.5 (half-gap 2^-55 up to 0.5, 2^-54 above);
///   Fast2Sum gives the sum's exact error (the constant is the larger addend);
///   [`rounds_to_plain`] with that half-gap.
/// - `fma(r2, ·, tail + r)` and `fma(r2·r2, ·, ·)`: [`plain_is_fused`] (`|r| ≥ 2^-240` keeps
///   both products normal).
/// - `fma(scale, tmp, scale)`: `scale ≥ 2^-740` and `|tmp| ≥ 2^-200` keep the product normal
///   (`|tmp| < 1`, so Fast2Sum gives the error); [`plain_is_fused`].
#[inline(always)]
fn exp_main(x: f64) -> Option<f64> {
    const HALF_MARGIN: f64 = d(0x3fdf_ffff_ff00_0000); // 1/2 − 2^-30
    const TWO_M58: f64 = d(0x3c50_0000_0000_0000);
    const TWO_M55: f64 = d(0x3c80_0000_0000_0000);
    const TWO_M54: f64 = d(0x3c90_0000_0000_0000);
    const TWO_M200: f64 = d(0x3370_0000_0000_0000);
    let z = x * EXP_INV_LN2_N;
    let kd_shifted = z + EXP_SHIFT;
    let kd = kd_shifted - EXP_SHIFT;
    let mut ok = (z - kd).abs() < HALF_MARGIN;
    let ki = kd_shifted.to_bits();
    let inner = x + kd * EXP_NEG_LN2_HI_N;
    let p0 = kd * EXP_NEG_LN2_LO_N;
    let (r, e0) = two_sum(p0, inner);
    ok &= plain_is_fused(p0, r, e0);
    // 2^-240 ≤ |r| < 2^-7
    ok &= ((r.to_bits() >> 52) & 0x7ff).wrapping_sub(0x3ff - 240) < 233;
    let idx = 2 * (ki % 128) as usize;
    let top = ki << 45;
    let tail = d(EXP_TAB[idx]);
    let sbits = EXP_TAB[idx + 1].wrapping_add(top);
    // fma(r, C5, C4), fma(r, C3, C2), by Fast2Sum.
    let p1 = r * EXP_C5;
    let q1 = EXP_C4 + p1;
    ok &= rounds_to_plain(p1, p1 - (q1 - EXP_C4), TWO_M58);
    let p2 = r * EXP_C3;
    let q2 = EXP_C2 + p2;
    let hs2 = if q2 > 0.5 { TWO_M54 } else { TWO_M55 };
    ok &= rounds_to_plain(p2, p2 - (q2 - EXP_C2), hs2);
    let r2 = r * r;
    let p3 = r2 * q2;
    let (q3, e3) = two_sum(p3, tail + r);
    ok &= plain_is_fused(p3, q3, e3);
    let p4 = (r2 * r2) * q1;
    let (tmp, e4) = two_sum(p4, q3);
    ok &= plain_is_fused(p4, tmp, e4);
    ok &= tmp.abs() >= TWO_M200;
    let scale = d(sbits);
    let p5 = scale * tmp;
    let y = scale + p5;
    ok &= plain_is_fused(p5, y, p5 - (y - scale));
    ok.then_some(y)
}

/// [`exp`] with its fused multiply-adds computed by [`fma`] (every input; `abstop` is 0 for
/// `512 ≤ |x| < 1024`).
#[inline(never)]
fn exp_fused(x: f64, abstop: u32) -> f64 {
    // exp(x) = 2^(k/N) * exp(r), x = k ln2/N + r, |r| <= ln2/2N.
    let kd_shifted = fma(x, EXP_INV_LN2_N, EXP_SHIFT);
    let ki = kd_shifted.to_bits();
    let kd = kd_shifted - EXP_SHIFT;
    // kd · NegLn2hiN is exact for |kd| < 2^17 (the constant has 36 significant bits), so the
    // inner fused multiply-add equals the plain expression there (always, for |x| < 512).
    let inner = if kd.abs() < 131_072.0 {
        x + kd * EXP_NEG_LN2_HI_N
    } else {
        fma(kd, EXP_NEG_LN2_HI_N, x)
    };
    let r = fma(kd, EXP_NEG_LN2_LO_N, inner);
    // 2^(k/N) ~= scale * (1 + tail)
    let idx = 2 * (ki % 128) as usize;
    let top = ki << 45;
    let tail = d(EXP_TAB[idx]);
    let sbits = EXP_TAB[idx + 1].wrapping_add(top);
    let r2 = r * r;
    // tail + r + r2 (C2 + r C3) + r2^2 (C4 + r C5), fused as in __exp_fma
    let tmp = fma(
        r2 * r2,
        fma(r, EXP_C5, EXP_C4),
        fma(r2, fma(r, EXP_C3, EXP_C2), tail + r),
    );
    if abstop == 0 {
        return exp_special(tmp, sbits, ki);
    }
    let scale = d(sbits);
    fma(scale, tmp, scale)
}

/// `specialcase` of e_exp.c: results that overflow or reach the subnormal range.
fn exp_special(tmp: f64, sbits: u64, ki: u64) -> f64 {
    if ki & 0x8000_0000 == 0 {
        // k > 0: the exponent of scale may have overflowed by <= 460.
        let scale = d(sbits.wrapping_sub(1009 << 52));
        return TWO_P1009 * fma(scale, tmp, scale);
    }
    // k < 0: round in the normal range first to avoid double rounding into subnormals.
    let scale = d(sbits.wrapping_add(1022 << 52));
    let st = scale * tmp; // not fused here: the product is reused below
    let mut y = scale + st;
    if y < 1.0 {
        let lo = (scale - y) + st;
        let hi = 1.0 + y;
        let lo = ((1.0 - hi) + y) + lo;
        y = (lo + hi) - 1.0;
        if y == 0.0 {
            y = 0.0; // never -0.0
        }
    }
    TWO_M1022 * y
}

// ------------------------------------------------------------------------------- log
// Constants of glibc 2.36 `__log_data` (log_data.c), N = 128.
const LOG_LN2_HI: f64 = d(0x3fe6_2e42_fefa_3800);
const LOG_LN2_LO: f64 = d(0x3d2e_f357_93c7_6730);
/// A[0..5]: log1p(r) - r ~= r^2 A0 + r^3 (A1 + r A2 + r^2 (A3 + r A4)), |r| < 1/2N.
const LOG_A: [f64; 5] = [
    d(0xbfe0_0000_0000_0001),
    d(0x3fd5_5555_5551_305b),
    d(0xbfcf_ffff_ffeb_4590),
    d(0x3fc9_99b3_24f1_0111),
    d(0xbfc5_5575_e506_c89f),
];
/// B[0..11]: log(1 + r) near r = 0, for 1 - 2^-4 <= x < 1 + 0x1.09p-4.
const LOG_B: [f64; 11] = [
    d(0xbfe0_0000_0000_0000),
    d(0x3fd5_5555_5555_5577),
    d(0xbfcf_ffff_ffff_fdcb),
    d(0x3fc9_9999_9995_dd0c),
    d(0xbfc5_5555_5567_45a7),
    d(0x3fc2_4924_a344_de30),
    d(0xbfbf_ffff_a442_3d65),
    d(0x3fbc_7184_282a_d6ca),
    d(0xbfb9_99eb_43b0_68ff),
    d(0x3fb7_8182_f7af_d085),
    d(0xbfb5_5213_75d1_45cd),
];
const LOG_OFF: u64 = 0x3fe6_0000_0000_0000;
const TWO_P27: f64 = d(0x41a0_0000_0000_0000);
const TWO_P52: f64 = d(0x4330_0000_0000_0000);

/// `log(x)` (natural logarithm) bit for bit as glibc 2.36's FMA build computes it.
///
/// ```
/// use mlops_loop::libm::log;
/// assert_eq!(log(1.0), 0.0);
/// assert_eq!(log(2.0).to_bits(), 0x3fe6_2e42_fefa_39ef); // ln 2
/// assert_eq!(log(0.0), f64::NEG_INFINITY);
/// assert!(log(-1.0).is_nan());
/// ```
pub fn log(x: f64) -> f64 {
    let mut ix = x.to_bits();
    let top = (ix >> 48) as u32;
    const LO: u64 = 0x3fee_0000_0000_0000; // 1 - 2^-4
    const HI: u64 = 0x3ff1_0900_0000_0000; // 1 + 0x1.09p-4
    if ix.wrapping_sub(LO) < HI - LO {
        return log_near_one(x, ix);
    }
    if top.wrapping_sub(0x0010) >= 0x7ff0 - 0x0010 {
        // x < 2^-1022, x negative, inf or NaN
        if ix << 1 == 0 {
            return f64::NEG_INFINITY; // __math_divzero(1)
        }
        if ix == f64::INFINITY.to_bits() {
            return x;
        }
        if top & 0x8000 != 0 || top & 0x7ff0 == 0x7ff0 {
            return invalid(x);
        }
        // subnormal: normalise
        ix = (x * TWO_P52).to_bits().wrapping_sub(52 << 52);
    }
    // x = 2^k z, z in [OFF, 2 OFF); subinterval i of z picks c ~ its centre.
    let tmp = ix.wrapping_sub(LOG_OFF);
    let i = ((tmp >> 45) % 128) as usize;
    let k = ((tmp as i64) >> 52) as i32;
    let iz = ix.wrapping_sub(tmp & (0xfff << 52));
    let (invc_bits, logc_bits) = LOG_TAB[i];
    let invc = d(invc_bits);
    let logc = d(logc_bits);
    let z = d(iz);
    // log(x) = log1p(z/c - 1) + log(c) + k ln2, r = z/c - 1 with one rounding.
    let r = fma(z, invc, -1.0);
    let kd = f64::from(k);
    let w = fma(kd, LOG_LN2_HI, logc);
    let hi = w + r;
    let lo = fma(kd, LOG_LN2_LO, (w - hi) + r);
    let r2 = r * r;
    let p = fma(r2, fma(r, LOG_A[4], LOG_A[3]), fma(r, LOG_A[2], LOG_A[1]));
    let y = fma(r * r2, p, fma(r2, LOG_A[0], lo));
    y + hi
}

/// e_log.c's separate path for `1 - 2^-4 <= x < 1 + 0x1.09p-4`.
fn log_near_one(x: f64, ix: u64) -> f64 {
    if ix == 1.0f64.to_bits() {
        return 0.0;
    }
    let b = &LOG_B;
    let r = x - 1.0;
    let r2 = r * r;
    let r3 = r * r2;
    let p = fma(b[10], r3, fma(r2, b[9], fma(r, b[8], b[7])));
    let p = fma(p, r3, fma(r2, b[6], fma(r, b[5], b[4])));
    let p = fma(p, r3, fma(r2, b[3], fma(r, b[2], b[1])));
    // split r = rhi + rlo with rhi of 26 bits so rhi^2 is exact
    let t = fma(r, TWO_P27, r);
    let rhi = fma(-TWO_P27, r, t);
    let rlo = r - rhi;
    let rhi2 = rhi * rhi;
    let hi = fma(rhi2, b[0], r);
    let lo = fma(rhi2, b[0], r - hi);
    let lo = fma(b[0] * rlo, rhi + r, lo);
    hi + fma(p, r3, lo)
}

// ------------------------------------------------------------------------------- log1p
// fdlibm s_log1p.c constants.
const LN2_HI: f64 = d(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = d(0x3dea_39ef_3579_3c76);
/// Lp1..Lp7 (index 0 unused).
const LP: [f64; 8] = [
    0.0,
    d(0x3fe5_5555_5555_5593),
    d(0x3fd9_9999_9997_fa04),
    d(0x3fd2_4924_9422_9359),
    d(0x3fcc_71c5_1d8e_78af),
    d(0x3fc7_4664_96cb_03de),
    d(0x3fc3_9a09_d078_c69f),
    d(0x3fc2_f112_df3e_5244),
];
/// 2/3 as fdlibm writes it (0.66666666666666666).
const TWO_THIRDS: f64 = d(0x3fe5_5555_5555_5555);

/// glibc's `__math_invalid(x)`, `(x - x) / (x - x)`: a quiet NaN (x's, if x is one). NaN
/// sign and payload bits are not promised to match glibc's.
fn invalid(x: f64) -> f64 {
    if x.is_nan() {
        x + x
    } else {
        f64::NAN
    }
}

/// High 32 bits of a double, as a signed int (fdlibm's `GET_HIGH_WORD`).
fn hi_word(x: f64) -> i32 {
    (x.to_bits() >> 32) as u32 as i32
}

/// `x` with its high 32 bits replaced (fdlibm's `SET_HIGH_WORD`).
fn with_hi_word(x: f64, hi: i32) -> f64 {
    d((u64::from(hi as u32) << 32) | (x.to_bits() & 0xffff_ffff))
}

/// `log1p(x) = log(1 + x)` bit for bit as glibc 2.36's FMA build computes it.
///
/// ```
/// use mlops_loop::libm::log1p;
/// assert_eq!(log1p(0.0), 0.0);
/// assert_eq!(log1p(-1.0), f64::NEG_INFINITY);
/// assert_eq!(log1p(-0.5).to_bits(), 0xbfe6_2e42_fefa_39ef); // -ln 2
/// ```
pub fn log1p(x: f64) -> f64 {
    let hx = hi_word(x);
    let ax = hx & 0x7fff_ffff;
    let mut k: i32 = 1;
    let mut f = 0.0;
    let mut c = 0.0;
    let mut hu: i32 = 1;
    if hx < 0x3fda_827a {
        // x < 0.41422 (or negative)
        if ax >= 0x3ff0_0000 {
            // x <= -1 or a negative NaN
            if x == -1.0 {
                return f64::NEG_INFINITY;
            }
            return invalid(x);
        }
        if ax < 0x3e20_0000 {
            // |x| < 2^-29
            if ax < 0x3c90_0000 {
                return x;
            }
            // x - x*x*0.5 with (x*x) rounded, then fused
            return fma(-(x * x), 0.5, x);
        }
        if hx > 0 || hx <= 0xbfd2_bec3_u32 as i32 {
            // -0.2929 < x < 0.41422: no reduction
            k = 0;
            f = x;
            hu = 1;
        }
    } else if hx >= 0x7ff0_0000 {
        return x + x; // +inf or positive NaN
    }
    if k != 0 {
        let mut u;
        if hx < 0x4340_0000 {
            u = 1.0 + x;
            hu = hi_word(u);
            k = (hu >> 20) - 1023;
            // correction term for the rounding of 1 + x
            c = if k > 0 { 1.0 - (u - x) } else { x - (u - 1.0) };
            c /= u;
        } else {
            u = x;
            hu = hx;
            k = (hu >> 20) - 1023;
            c = 0.0;
        }
        hu &= 0x000f_ffff;
        if hu < 0x6a09e {
            // u in [1, sqrt(2))
            u = with_hi_word(u, hu | 0x3ff0_0000);
        } else {
            // normalise u to [sqrt(2)/2, 1)
            k += 1;
            u = with_hi_word(u, hu | 0x3fe0_0000);
            hu = (0x0010_0000 - hu) >> 2;
        }
        f = u - 1.0;
    }
    let hfsq = (0.5 * f) * f;
    let dk = f64::from(k);
    if hu == 0 {
        // |f| < 2^-20
        if f == 0.0 {
            if k == 0 {
                return 0.0;
            }
            return fma(dk, LN2_HI, fma(dk, LN2_LO, c));
        }
        let r = fma(-f, TWO_THIRDS, 1.0) * hfsq;
        if k == 0 {
            return f - r;
        }
        return fma(dk, LN2_HI, -((r - fma(dk, LN2_LO, c)) - f));
    }
    let s = f / (2.0 + f);
    let z = s * s;
    let r2 = fma(z, LP[3], LP[2]);
    let r3 = fma(z, LP[5], LP[4]);
    let r4 = fma(z, LP[7], LP[6]);
    let z2 = z * z;
    let z4 = z2 * z2;
    let z6 = z2 * z4;
    let r = fma(z6, r4, fma(z4, r3, fma(z, LP[1], z2 * r2)));
    let t = s * (hfsq + r);
    if k == 0 {
        return f - (hfsq - t);
    }
    fma(dk, LN2_HI, -((hfsq - (fma(dk, LN2_LO, c) + t)) - f))
}

/// sin(x) from + and · only (argument reduction to [−π, π], Taylor series to x^27), so that
/// native and WebAssembly builds give the same bits (a libm `sin` may differ in the last bit).
pub fn det_sin(x: f64) -> f64 {
    if !x.is_finite() {
        return f64::NAN;
    }
    let two_pi = 2.0 * std::f64::consts::PI;
    let k = (x / two_pi).round();
    let r = x - k * two_pi;
    let r2 = r * r;
    let mut term = r;
    let mut sum = r;
    let mut n = 1.0;
    for _ in 0..13 {
        term = -term * r2 / ((n + 1.0) * (n + 2.0));
        n += 2.0;
        sum += term;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    /// splitmix64, for test inputs.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
        }
    }

    /// `exp_main`'s result, where it gives one, equals the fused evaluation's bits; returns how
    /// many of `xs` it left to the fused evaluation.
    fn check(xs: impl Iterator<Item = f64>) -> usize {
        let mut declined = 0;
        for x in xs.filter(|x| (2f64.powi(-54)..512.0).contains(&x.abs())) {
            let fused = exp_fused(x, 1);
            match exp_main(x) {
                Some(y) => assert_eq!(y.to_bits(), fused.to_bits(), "x = {x:e}"),
                None => declined += 1,
            }
            assert_eq!(exp(x).to_bits(), fused.to_bits(), "x = {x:e}");
        }
        declined
    }

    #[test]
    fn exp_main_equals_the_fused_evaluation() {
        let mut r = Rng(7);
        let uniform = check((0..1_000_000).map(|_| -40.0 + 80.0 * r.unit()));
        // The filters decline about 1 in 200 (the product's error bound against the sum's).
        assert!(uniform < 10_000, "{uniform} of 1,000,000 declined");
        eprintln!("exp_main: {uniform} of 1,000,000 inputs in [-40, 40] declined");
        // Every exponent of |x| from 2^-54 to 2^8, both signs.
        let mut r = Rng(8);
        check((0..300_000).map(|_| {
            let e = 0x3c9 + r.next() % (0x408 - 0x3c9);
            f64::from_bits((e << 52) | (r.next() & ((1 << 63) | ((1 << 52) - 1))))
        }));
        let step = std::f64::consts::LN_2 / 128.0;
        // x·InvLn2N next to a half-integer: the rounding to kd is a near tie.
        let mut r = Rng(9);
        let near_half = check((0..20_000).map(|_| {
            let k = (r.next() % 120_000) as f64 - 60_000.0;
            let x = (k + 0.5) * step;
            f64::from_bits(x.to_bits().wrapping_add(r.next() % 9).wrapping_sub(4))
        }));
        assert!(
            near_half > 15_000,
            "near ties declined only {near_half} times"
        );
        // x next to a multiple of ln2/128: r tiny, below 2^-240 only for exact multiples.
        let mut r = Rng(10);
        check((0..20_000).map(|_| {
            let k = (r.next() % 120_000) as f64 - 60_000.0;
            f64::from_bits(
                (k * step)
                    .to_bits()
                    .wrapping_add(r.next() % 9)
                    .wrapping_sub(4),
            )
        }));
        // r·C3 next to 0.5 − C2, where fma(r, C3, C2) crosses 0.5 (its spacing doubles).
        let mut r = Rng(11);
        let cross = (0.5 - EXP_C2) / EXP_C3;
        check((0..20_000).map(|_| {
            let k = (r.next() % 1_200) as f64 - 600.0;
            k * 128.0 * step + cross * (0.5 + r.unit())
        }));
    }
}
