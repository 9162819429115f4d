#!/usr/bin/env python3
"""Write the data/fingerprint/split fixtures from the pinned Python stack.

    python tests/oracle/generate.py      # (make fixtures) writes tests/fixtures/data_*.json

Pinned: numpy==2.4.6 pandas==3.1.1 scipy==1.17.1 scikit-learn==1.9.1 (requirements.txt).
Deterministic; JSON with sorted keys. Floats are stored as their IEEE-754 bits ("0x%016x") so the
Rust tests compare bits, never decimal text. Columns of more than 3000 rows are stored as the
sha256 of their little-endian bytes plus their first 20 rows.

Files:
  data_cases.json       make_data(seed, drift, rows): raw PCG64 words, columns, dtypes, row hashes,
                        fingerprints; the book's CSV for two small frames.
  data_numpy.json       generator pieces alone (integers edge paths, exponential, binomial),
                        RandomState (MT19937) draws, train_test_split index sets, py_repr samples.
"""
import hashlib
import json
import os
import struct
import sys

import numpy as np
import pandas as pd
import scipy
import sklearn
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures"))
COLS = ["spend_per_active_day", "is_recent", "days_since_login", "churned"]
FULL_LIMIT = 3000


def hx(x):
    return "0x%016x" % struct.unpack("<Q", struct.pack("<d", float(x)))[0]


def u64hex(v):
    return "0x%016x" % int(v)


def versions():
    return {"python": sys.version.split()[0], "numpy": np.__version__, "pandas": pd.__version__,
            "scipy": scipy.__version__, "scikit-learn": sklearn.__version__}


def make_data(seed, drift, n):
    """The book's make_data, with n rows."""
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 90, n) + drift
    spend = rng.exponential(5, n)
    is_recent = (days < 30).astype(int)
    churned = rng.binomial(1, 1 / (1 + np.exp(-(days / 30 - 1))))
    return pd.DataFrame({"spend_per_active_day": spend, "is_recent": is_recent,
                         "days_since_login": days, "churned": churned})


def column_json(series):
    a = series.to_numpy()
    if a.dtype == np.float64:
        return [hx(v) for v in a.tolist()]
    assert a.dtype == np.int64, a.dtype
    return [int(v) for v in a.tolist()]


def column_sha256(series):
    a = series.to_numpy()
    assert a.dtype in (np.float64, np.int64)
    return hashlib.sha256(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()).hexdigest()


def drift_json(drift):
    if isinstance(drift, float):
        return {"kind": "float", "text": repr(drift), "bits": hx(drift)}
    return {"kind": "int", "text": repr(drift), "value": drift}


def data_case(seed, drift, n):
    df = make_data(seed, drift, n)
    hv = pd.util.hash_pandas_object(df).to_numpy()
    assert hv.dtype == np.uint64
    full = hashlib.sha256(hv).hexdigest()
    case = {
        "seed": str(seed),
        "drift": drift_json(drift),
        "rows": n,
        "pcg64_raw10": [u64hex(v) for v in np.random.PCG64(seed).random_raw(10).tolist()],
        "dtypes": {c: str(df[c].dtype) for c in COLS},
        "fingerprint_full": full,
        "fingerprint_short": full[:12],
        "row_hashes_head5": [u64hex(v) for v in hv[:5].tolist()],
        "row_hashes_sha256": hashlib.sha256(hv).hexdigest(),
    }
    if n <= FULL_LIMIT:
        case["columns"] = {c: column_json(df[c]) for c in COLS}
    else:
        case["columns_head20"] = {c: column_json(df[c].iloc[:20]) for c in COLS}
        case["columns_sha256"] = {c: column_sha256(df[c]) for c in COLS}
    return case


S32, S64, S130 = 2 ** 32 + 5, 2 ** 64 + 3, 2 ** 130 + 99
DATA_CASES = [
    # the book's frames and the exact-numpy.md reference fingerprints
    (0, 0.0, 3000), (0, 10, 3000), (0, 10.0, 3000), (42, 0.0, 3000), (1, 0.0, 3000),
    (2, 10, 3000), (2, 10.0, 3000), (3, 10, 3000),
    # other drifts / sizes
    (1, -3, 2999), (42, 37.25, 2999), (2, 0.0, 2999),
    (S32, 0.5, 500), (S64, -3.0, 500), (S130, 0, 500), (S64, 10, 500), (0, 0, 500), (3, -3.0, 500),
    (S130, 10.0, 7), (42, -3, 7), (1, 0.5, 7), (S32, 10, 7),
    (3, 0, 1), (0, 37.25, 1), (42, 10, 1),
    # big frames: hashes of columns
    (0, 0.0, 100000), (S64, 10, 100000),
]

CSV_CASES = [(42, 10.0, 7), (2, 10, 7), (S130, -3.0, 5)]


def generator_cases():
    out = []
    for seed in (0, 1, 42, 12345, S32, S130):
        rng = np.random.default_rng(seed)
        steps = []
        # One Generator, several calls in a row: the PCG64 32-bit buffer carries across them.
        for low, high, size in [(0, 90, 3), (5, 2 ** 40, 50), (0, 2 ** 32, 7), (-3, 7, 11),
                                (0, 2 ** 32 - 1, 5), (0, 2 ** 32 + 1, 5), (7, 8, 3),
                                (-2 ** 63, 2 ** 63 - 1, 5), (-2 ** 63, -2 ** 63 + 3, 5),
                                (2 ** 62, 2 ** 63 - 1, 4), (0, 90, 1)]:
            vals = rng.integers(low, high, size)
            assert vals.dtype == np.int64
            steps.append({"op": "integers", "low": low, "high": high, "size": size,
                          "values": [int(v) for v in vals.tolist()]})
        # After an odd number of 32-bit halves, exponentials (64-bit) skip the buffered half.
        ex = rng.exponential(5, 20000)
        steps.append({"op": "exponential", "scale": hx(5.0), "size": 20000,
                      "head100": [hx(v) for v in ex[:100].tolist()],
                      "sha256": hashlib.sha256(ex.astype("<f8").tobytes()).hexdigest()})
        ex1 = rng.exponential(1.0, 3)
        steps.append({"op": "exponential", "scale": hx(1.0), "size": 3, "head100": [hx(v) for v in ex1.tolist()],
                      "sha256": hashlib.sha256(ex1.astype("<f8").tobytes()).hexdigest()})
        steps.append({"op": "raw_after", "values": [u64hex(v) for v in rng.bit_generator.random_raw(3).tolist()]})
        out.append({"seed": str(seed), "steps": steps})
    return out


def binomial_cases():
    out = []
    for seed in (0, 1, 42):
        ps = np.random.default_rng(seed + 1).random(1000)
        ps[:12] = [0.0, 1.0, 0.5, 1e-300, 1 - 1e-16, 0.9999, 1e-5, 0.25, 0.75, 0.5000001,
                   5e-324, np.nextafter(0.5, 1.0)]
        # n*min(p, 1-p) <= 30 for every p here, so numpy takes the inversion path throughout.
        for n in (1, 7, 0, 30):
            vals = np.random.default_rng(seed).binomial(n, ps)
            out.append({"seed": str(seed), "n": n, "p": [hx(v) for v in ps.tolist()],
                        "values": [int(v) for v in vals.tolist()]})
    return out


def mt_cases():
    out = []
    for seed in (0, 1, 42, 2 ** 32 - 1):
        rs = np.random.RandomState(seed)
        steps = [
            {"op": "randint", "low": 0, "high": 2 ** 31 - 1, "values": [int(rs.randint(0, 2 ** 31 - 1)) for _ in range(100)]},
            {"op": "randint", "low": 0, "high": 2 ** 32, "values": [int(rs.randint(0, 2 ** 32)) for _ in range(5)]},
            {"op": "randint", "low": -5, "high": 6, "values": [int(rs.randint(-5, 6)) for _ in range(20)]},
            {"op": "randint", "low": 0, "high": 2 ** 40, "values": [int(rs.randint(0, 2 ** 40)) for _ in range(10)]},
            {"op": "randint", "low": 3, "high": 4, "values": [int(rs.randint(3, 4)) for _ in range(3)]},
            {"op": "random_sample", "values": [hx(v) for v in rs.random_sample(5).tolist()]},
            {"op": "permutation", "n": 37, "values": [int(v) for v in rs.permutation(37).tolist()]},
            {"op": "permutation", "n": 1, "values": [int(v) for v in rs.permutation(1).tolist()]},
        ]
        out.append({"seed": seed, "steps": steps})
    return out


def split_cases():
    out = []
    combos = [(n, 0.25, 42) for n in (2, 7, 10, 101, 500, 1000, 2999, 3000, 100000)]
    combos += [(n, t, 42) for n in (2, 10, 101) for t in (0.1, 0.3, 0.5)]
    combos += [(3000, 0.25, 0), (3000, 0.2, 7), (101, 0.9, 2 ** 32 - 1), (1000, 1e-9, 42), (4, 0.5, 1),
               (100, 0.55, 42), (180, 0.35, 42)]  # test_size * n rounds just above / below an integer
    for n, t, rs in combos:
        tr, te = train_test_split(np.arange(n), test_size=t, random_state=rs)
        case = {"n": n, "test_size": hx(t), "random_state": rs}
        if n <= FULL_LIMIT:
            case.update(train=[int(v) for v in tr.tolist()], test=[int(v) for v in te.tolist()])
        else:
            case.update(train_len=len(tr), test_len=len(te),
                        train_head20=[int(v) for v in tr[:20].tolist()], test_head20=[int(v) for v in te[:20].tolist()],
                        train_sha256=hashlib.sha256(tr.astype("<i8").tobytes()).hexdigest(),
                        test_sha256=hashlib.sha256(te.astype("<i8").tobytes()).hexdigest())
        out.append(case)
    errors = []
    for n, t in [(1, 0.25), (0, 0.25), (10, 0.0), (10, 1.0), (10, 1.5), (10, -0.1), (4, 0.8), (3, 0.9)]:
        try:
            train_test_split(np.arange(n), test_size=t, random_state=42)
            raise AssertionError("expected an error for %r" % ((n, t),))
        except ValueError as e:
            errors.append({"n": n, "test_size": hx(t), "message": str(e)})
    return out, errors


def repr_samples():
    rng = np.random.default_rng(2024)
    vals = [0.0, -0.0, 0.1, 5.0, 1e-05, 1.2345678901234567e16, 1e16, 9999999999999998.0, 1e15, 0.0001,
            0.00011, 9.999999999999999e-05, 1e22, 1e23, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
            3.0000000000000004, 0.30000000000000004, 123456789.123, 2.0 ** 53, 2.0 ** 53 + 2, 100.0, 1234.5,
            -7.25, 37.25, 0.5, 1 / 3, 2 / 3, 6.02214076e23, 1.602176634e-19]
    bits = rng.integers(0, 2 ** 63, 800, dtype=np.uint64)
    for b in bits.tolist():
        v = struct.unpack("<d", struct.pack("<Q", b))[0]
        if v == v and v not in (float("inf"),):
            vals.append(v)
    vals += (rng.exponential(5, 300)).tolist()
    vals += (rng.standard_normal(300) * 10.0 ** rng.integers(-8, 20, 300)).tolist()
    vals += [float(i) / 8 for i in range(-40, 40)]
    # Exact binary values with few fractional bits: where two shortest candidates can tie and
    # dtoa rounds half to even.
    for m, e in zip(rng.integers(2 ** 52, 2 ** 53, 600).tolist(), rng.integers(-25, 14, 600).tolist()):
        vals.append(float(m) * 2.0 ** e)
    vals += [10.0 ** k for k in range(-10, 25)] + [1.5 * 10.0 ** k for k in range(-10, 25)]
    return [{"bits": hx(v), "repr": repr(v)} for v in vals]


def dump(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        f.write(json.dumps(obj, sort_keys=True, separators=(",", ":")))
        f.write("\n")
    print("wrote %s (%d bytes)" % (os.path.relpath(path, os.path.join(HERE, "..", "..")), os.path.getsize(path)))


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = [data_case(s, d, n) for s, d, n in DATA_CASES]
    csvs = [{"seed": str(s), "drift": drift_json(d), "rows": n, "csv": make_data(s, d, n).to_csv(index=False)}
            for s, d, n in CSV_CASES]
    dump("data_cases.json", {"versions": versions(), "cases": cases, "csv": csvs})
    splits, split_errors = split_cases()
    dump("data_numpy.json", {
        "versions": versions(),
        "generator": generator_cases(),
        "binomial": binomial_cases(),
        "mt19937": mt_cases(),
        "split": splits,
        "split_errors": split_errors,
        "py_repr": repr_samples(),
    })


if __name__ == "__main__":
    main()
