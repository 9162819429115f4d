#!/usr/bin/env python3
"""Generate src/libm_tables.rs: the lookup tables of glibc's exp and log, from their definitions.

Pure Python (ints, fractions, decimal); no numpy, no bytes read from any libm.

exp (glibc sysdeps/ieee754/dbl-64/exp_data.c, ARM optimized-routines, N = 128):
    2^(k/N) ~= H[k] * (1 + T[k]),  H[k] = the double nearest 2^(k/N),
    T[k] = the double nearest (2^(k/N) - H[k]) / H[k],
    EXP_TAB[2k] = bits(T[k]),  EXP_TAB[2k+1] = bits(H[k]) - (k << 45)   (k << 52 / N).

log (glibc sysdeps/ieee754/dbl-64/log_data.c, ARM optimized-routines, N = 128):
    z in [0x1.6p-1, 0x1.6p0) is split into N subintervals by the top bits of (bits(z) - OFF),
    OFF = 0x3fe6000000000000.  For subinterval i, invc is searched among the +-2^29 doubles
    around 1/center; a candidate c = 1/invc qualifies when
      1) logc = (double)log(c) is a multiple of 2^-43 (so 0x1.8p9 + logc is exact),
      2) the rounding error of the double evaluation z - chi - clo, chi = (double)c,
         clo = (double)(c - chi), times invc (its effect on r = z/c - 1), is < 2^-66 for
         every z of the subinterval,
    and among those the one with the smallest |log(c) - logc| is taken.
    Rather than trying 2^30 doubles, the search walks the multiples m * 2^-43 of logc that the
    window allows and looks at the double nearest exp(-m * 2^-43) (the only candidate that can
    make |log(c) - logc| tiny), in 128-bit fixed point: E(m+1) = E(m) * exp(-2^-43).

Usage:  python3 tests/oracle/gen_libm_tables.py      (writes src/libm_tables.rs; about a minute)
"""
import os
import struct
import sys
from decimal import Decimal, getcontext
from fractions import Fraction

getcontext().prec = 80

N = 128
OFF = 0x3FE6000000000000
LOGC_STEP_BITS = 43          # logc is a multiple of 2^-43
WINDOW = 1 << 29             # +-2^29 candidate doubles around 1/center
COND2_LIMIT = Fraction(1, 1 << 66)
FIX = 128                    # fixed-point fractional bits of the walk
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "libm_tables.rs")


def f2b(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def b2f(u):
    return struct.unpack("<d", struct.pack("<Q", u))[0]


def to_double(q):
    """Correctly rounded Fraction -> float (int true division rounds correctly)."""
    return q.numerator / q.denominator


def ulp_exp(x):
    """Exponent e of ulp(x) = 2^e for a normal positive double x."""
    return ((f2b(x) >> 52) & 0x7FF) - 1023 - 52


def exp_table():
    out = []
    for k in range(N):
        p = Fraction(Decimal(2) ** (Decimal(k) / Decimal(N)))
        h = to_double(p)
        t = to_double((p - Fraction(h)) / Fraction(h))
        out.append(f2b(t))
        out.append((f2b(h) - (k << 45)) & ((1 << 64) - 1))
    return out


def round_err_of_sub(d, clo):
    """|fl(d - clo) - (d - clo)| for exact Fractions d (a double) and clo (a double)."""
    exact = d - clo
    return abs(Fraction(to_double(exact)) - exact)


def cond2(i, invc, chi, clo):
    """Rounding error of fl(fl(z - chi) - clo), as it reaches r = (z - chi - clo) * invc,
    < 2^-66 for every double z of subinterval i.  z - chi is exact (Sterbenz); the error of
    the second subtraction is largest in the top binade of |z - c|, reached at one of the two
    ends of the subinterval.  (Measuring the error after the scaling by invc, rather than
    before, is what reproduces glibc's table.)"""
    z_first = b2f(OFF + (i << 45))
    z_last = b2f(OFF + ((i + 1) << 45) - 1)
    for z in (z_first, z_last):
        d = Fraction(z) - Fraction(chi)
        if Fraction(to_double(d)) != d:
            return False
        if round_err_of_sub(d, Fraction(clo)) * Fraction(invc) >= COND2_LIMIT:
            return False
    return True


def log_entry(i):
    lo = Fraction(b2f(OFF + (i << 45)))
    hi = Fraction(b2f(OFF + ((i + 1) << 45)))
    center = (lo + hi) / 2
    ic = f2b(to_double(1 / center))
    b_lo, b_hi = ic - WINDOW, ic + WINDOW
    inv_lo, inv_hi = b2f(b_lo), b2f(b_hi)
    # logc = -log(invc) = m 2^-43, m from -log(inv_hi) to -log(inv_lo)
    scale = Decimal(2) ** LOGC_STEP_BITS
    m_lo = int((-(Decimal(inv_hi).ln()) * scale).to_integral_value(rounding="ROUND_FLOOR"))
    m_hi = int((-(Decimal(inv_lo).ln()) * scale).to_integral_value(rounding="ROUND_CEILING"))
    e = ulp_exp(inv_lo)
    assert e == ulp_exp(inv_hi), "window crosses a binade"
    # walk E(m) = exp(-m 2^-43) in fixed point; keep m whose E is within 2^-65 of a double
    one = Decimal(2) ** FIX
    v = int((-(Decimal(m_lo) / scale)).exp() * one)
    q = int((-(Decimal(1) / scale)).exp() * one)
    sh = FIX + e                      # ulp of invc in fixed-point units is 2^sh
    mask = (1 << sh) - 1
    thr = 1 << (FIX - 65)
    near = (1 << sh) - thr
    keep = []
    for m in range(m_lo, m_hi + 1):
        fr = v & mask
        if fr < thr or fr > near:
            keep.append(m)
        v = (v * q) >> FIX
    best = None
    for m in keep:
        logc = Fraction(m, 1 << LOGC_STEP_BITS)
        ex = Fraction((-(Decimal(m) / scale)).exp())
        invc = to_double(ex)
        b = f2b(invc)
        if not b_lo <= b <= b_hi:
            continue
        if to_double(logc) != logc:
            continue
        c = 1 / Fraction(invc)
        chi = to_double(c)
        clo = to_double(c - Fraction(chi))
        if not cond2(i, invc, chi, clo):
            continue
        err = abs(Fraction(-(Decimal(invc).ln())) - logc)
        if best is None or err < best[0]:
            best = (err, b, f2b(to_double(logc)))
    assert best is not None, f"no candidate for subinterval {i}"
    return best[1], best[2]


def main():
    et = exp_table()
    lt = []
    for i in range(N):
        lt.append(log_entry(i))
        if i % 16 == 15:
            print(f"log subintervals 0..{i} done", file=sys.stderr)
    lines = []
    w = lines.append
    w("// @generated by tests/oracle/gen_libm_tables.py from the tables' mathematical definitions\n")
    w("// (see that script's docstring); do not edit by hand.\n")
    w("//! Lookup tables of glibc's exp and log (ARM optimized-routines layout), as f64 bit patterns.\n\n")
    w("/// exp: `[2k]` = bits of T[k], `[2k+1]` = bits of H[k] minus `k << 45`, where\n")
    w("/// 2^(k/128) ~= H[k] (1 + T[k]).\n")
    w(f"pub(crate) const EXP_TAB: [u64; {2 * N}] = [\n")
    for k in range(N):
        w(f"    0x{et[2 * k]:016x},\n    0x{et[2 * k + 1]:016x},\n")
    w("];\n\n")
    w("/// log: `(invc, logc)` bits per subinterval: invc ~= 1/c, logc = (double)log(c), c near\n")
    w("/// the subinterval's centre, chosen by the search rule of log_data.c.\n")
    w(f"pub(crate) const LOG_TAB: [(u64, u64); {N}] = [\n")
    for invc, logc in lt:
        w(f"    (0x{invc:016x}, 0x{logc:016x}),\n")
    w("];\n")
    with open(OUT, "w") as fh:
        fh.write("".join(lines))
    print("wrote", os.path.relpath(OUT))


if __name__ == "__main__":
    main()
