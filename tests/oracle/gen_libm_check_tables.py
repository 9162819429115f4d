#!/usr/bin/env python3
"""Check src/libm_tables.rs against the tables inside this machine's glibc libm (verification only).

Locates glibc 2.36's `__exp_data` and `__log_data` in libm.so.6 by their leading constants
(exp: InvLn2N, -Ln2hi/N; log: Ln2hi, Ln2lo), reads the tables that follow (layout of glibc
2.36 x86-64: exp tab at +0x70, log tab at +0x90) and compares them with the generated tables.
Nothing read here is written anywhere.  Exits 0 with a notice when the library is absent or
the constants are not found (another glibc build).

Usage:  python3 tests/oracle/gen_libm_check_tables.py [path/to/libm.so.6]
"""
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TABLES = os.path.join(HERE, "..", "..", "src", "libm_tables.rs")
DEFAULT_LIBM = "/lib/x86_64-linux-gnu/libm.so.6"


def pack(*us):
    return b"".join(struct.pack("<Q", u) for u in us)


def main():
    libm = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_LIBM
    if not os.path.exists(libm):
        print(f"SKIP: {libm} not found")
        return 0
    blob = open(libm, "rb").read()
    src = open(TABLES).read()
    exp_tab = [int(h, 16) for h in re.findall(r"0x([0-9a-f]{16})",
                                              src.split("EXP_TAB")[1].split("];")[0])]
    log_tab = [int(h, 16) for h in re.findall(r"0x([0-9a-f]{16})",
                                              src.split("LOG_TAB")[1].split("];")[0])]
    # InvLn2N = 0x1.71547652b82fep7, NegLn2hiN = -0x1.62e42fefa0000p-8
    exp_at = blob.find(pack(0x40671547652B82FE, 0xBF762E42FEFA0000))
    # Ln2hi = 0x1.62e42fefa3800p-1, Ln2lo = 0x1.ef35793c76730p-45
    log_at = blob.find(pack(0x3FE62E42FEFA3800, 0x3D2EF35793C76730))
    if exp_at < 0 or log_at < 0:
        print("SKIP: glibc 2.36 exp/log data not found in", libm)
        return 0
    g_exp = struct.unpack("<256Q", blob[exp_at + 0x70: exp_at + 0x70 + 256 * 8])
    g_log = struct.unpack("<256Q", blob[log_at + 0x90: log_at + 0x90 + 256 * 8])
    bad = 0
    for j in range(256):
        if g_exp[j] != exp_tab[j]:
            bad += 1
            print(f"exp tab[{j}] differs")
    for j in range(256):
        if g_log[j] != log_tab[j]:
            bad += 1
            what = "invc" if j % 2 == 0 else "logc"
            print(f"log tab[{j // 2}].{what} differs")
    print("exp table: %d/256 equal; log table: %d/256 equal" % (
        sum(g_exp[j] == exp_tab[j] for j in range(256)),
        sum(g_log[j] == log_tab[j] for j in range(256))))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
