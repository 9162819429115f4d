#!/usr/bin/env python3
"""Write tests/fixtures/libm_golden.json: (input bits, output bits) of glibc's exp, log, log1p.

Calls the system libm through ctypes (not Python's math module, which rejects some inputs).
Run on Debian 12 (glibc 2.36), x86-64 with FMA+AVX2, where glibc's ifunc picks the FMA builds
that src/libm.rs reproduces.  Inputs are deterministic (random.Random with fixed seeds) and
cover the ranges the book uses plus special values.

Usage:  python3 tests/oracle/gen_libm_golden.py      (writes tests/fixtures/libm_golden.json)
Skips (leaving the committed fixture alone) unless the machine is x86-64 Linux with glibc 2.36
and a CPU with FMA and AVX2, where the system libm is the reference.
"""
import ctypes
import ctypes.util
import json
import os
import platform
import random
import struct

PER_FUNCTION = 2000
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "libm_golden.json")


def reference_machine():
    """True when this machine's libm is glibc 2.36 choosing its FMA builds."""
    if platform.system() != "Linux" or platform.machine() != "x86_64":
        return False
    if platform.libc_ver()[0] != "glibc" or platform.libc_ver()[1] != "2.36":
        return False
    try:
        flags = open("/proc/cpuinfo").read().split()
    except OSError:
        return False
    return "fma" in flags and "avx2" in flags


def f2b(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def b2f(u):
    return struct.unpack("<d", struct.pack("<Q", u))[0]


def load():
    lib = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
    fns = {}
    for name in ("exp", "log", "log1p"):
        fn = getattr(lib, name)
        fn.restype = ctypes.c_double
        fn.argtypes = [ctypes.c_double]
        fns[name] = fn
    return fns


SPECIALS = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, float("inf"), float("-inf"), float("nan"),
            b2f(1), b2f(0x000FFFFFFFFFFFFF), b2f(0x0010000000000000), b2f(0x7FEFFFFFFFFFFFFF),
            1e-300, -1e-300, 2.0 ** -54, -(2.0 ** -54), 2.0 ** -29, -(2.0 ** -29), 1e-17,
            709.782712893384, 709.79, -708.39, -745.1332191019411, -745.14, 512.0, -512.0,
            1023.9, -1023.9, 1024.0, -1024.0, 0.9375, 1.064697265625, 0.41421356, -0.2929,
            -0.9999999999999999, 9007199254740992.0, 1e10, 1e300]


def inputs(name, rnd):
    xs = list(SPECIALS)
    unit = lambda: (rnd.getrandbits(64) >> 11) * 2.0 ** -53
    if name == "exp":
        xs += [-40.0 + 80.0 * unit() for _ in range(1000)]
        xs += [-746.0 + 1456.0 * unit() for _ in range(300)]
        xs += [-745.2 + 37.2 * unit() for _ in range(300)]
    elif name == "log":
        xs += [1e6 * (1.0 - unit()) for _ in range(900)]
        xs += [0.9 + 0.2 * unit() for _ in range(300)]
        xs += [b2f(rnd.getrandbits(52)) for _ in range(200)]          # subnormals
        xs += [b2f(rnd.getrandbits(63)) for _ in range(300)]          # any positive
    else:
        xs += [-unit() for _ in range(1000)]                          # numpy's log1p(-U)
        xs += [1.0 - 2.0 * unit() for _ in range(400)]
        xs += [b2f((rnd.randint(0x3B9, 0x420) << 52) | rnd.getrandbits(52)) for _ in range(300)]
    while len(xs) < PER_FUNCTION:
        xs.append(b2f(rnd.getrandbits(64)))
    return xs[:PER_FUNCTION]


def main():
    if not reference_machine():
        print("SKIP: not x86-64 glibc 2.36 with FMA+AVX2; fixture left unchanged")
        return
    fns = load()
    out = {"_source": "glibc 2.36 libm (FMA ifunc builds) via ctypes; "
                      "pairs are [input bits, output bits] of f64 as hex"}
    for seed, name in enumerate(("exp", "log", "log1p")):
        rnd = random.Random(1000 + seed)
        out[name] = [["0x%016x" % f2b(x), "0x%016x" % f2b(fns[name](x))]
                     for x in inputs(name, rnd)]
    # one pair per line: compact and diff-friendly
    parts = ["{", "\"_source\": %s," % json.dumps(out.pop("_source"))]
    names = list(out)
    for j, name in enumerate(names):
        parts.append("\"%s\": [" % name)
        rows = out[name]
        parts += ["[\"%s\",\"%s\"]%s" % (a, b, "," if i + 1 < len(rows) else "")
                  for i, (a, b) in enumerate(rows)]
        parts.append("]" + ("," if j + 1 < len(names) else ""))
    parts.append("}")
    with open(OUT, "w") as fh:
        fh.write("\n".join(parts) + "\n")
    print("wrote", os.path.relpath(OUT))


if __name__ == "__main__":
    main()
