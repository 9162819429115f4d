#!/usr/bin/env python3
"""Fixtures for the model and drift pieces, from the pinned Python stack.

    tests/fixtures/gbm_cases.json   GradientBoostingClassifier(random_state=42) on the book's
                                    pipeline: every tree node, init raw, test probabilities, AUC
    tests/fixtures/ks_cases.json    scipy.stats.ks_2samp: D and p as bits, exact and asymptotic

Pinned: numpy 2.4.6, pandas 3.1.1, scipy 1.17.1, scikit-learn 1.9.1 (tests/oracle/requirements.txt).
Floats are written as "0x" + the 16 hex digits of their IEEE-754 bits. Large KS samples are
written as recipes (make_data columns or integer formulas) that the Rust test regenerates.
Run from the repository root: python tests/oracle/generate_model.py
"""
import json
import os
import struct

import numpy as np
import pandas as pd
import scipy
import sklearn
from scipy.stats import ks_2samp
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
FEATURES = ["spend_per_active_day", "is_recent", "days_since_login"]


def hx(v):
    return "0x%016x" % struct.unpack("<Q", struct.pack("<d", float(v)))[0]


def make_data(seed, drift, n=3000):
    """The book's data (drift keeps its Python type: int keeps days int64)."""
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 90, n) + drift
    spend = rng.exponential(5, n)
    is_recent = (days < 30).astype(int)
    churned = rng.binomial(1, 1 / (1 + np.exp(-(days / 30 - 1))))
    return pd.DataFrame({"spend_per_active_day": spend, "is_recent": is_recent,
                         "days_since_login": days, "churned": churned})


def gbm_case(seed, drift, rows):
    df = make_data(seed, drift, rows)
    X = df[FEATURES]
    y = df.churned
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=42)
    model = GradientBoostingClassifier(random_state=42).fit(X_tr, y_tr)
    proba = model.predict_proba(X_te)[:, 1]
    auc = roc_auc_score(y_te, proba)
    trees = []
    for est in model.estimators_[:, 0]:
        t = est.tree_
        trees.append({
            "children_left": t.children_left.tolist(),
            "children_right": t.children_right.tolist(),
            "feature": t.feature.tolist(),
            "threshold": [hx(v) for v in t.threshold],
            "value": [hx(v) for v in t.value[:, 0, 0]],
        })
    init_raw = model._raw_predict_init(X_te.iloc[:1].to_numpy())[0, 0]
    return {
        "seed": seed,
        "drift": repr(drift),
        "rows": rows,
        "n_train": len(y_tr),
        "test_index_first5": X_te.index[:5].tolist(),
        "init_raw": hx(init_raw),
        "trees": trees,
        "test_proba": [hx(v) for v in proba],
        "auc": hx(auc),
        "auc_repr": repr(float(auc)),
    }


# ------------------------------------------------------------------ KS samples
def sample(spec):
    """Materialise a sample recipe (the Rust test implements the same recipes)."""
    if "values" in spec:
        return np.array([struct.unpack("<d", struct.pack("<Q", int(v, 16)))[0]
                         for v in spec["values"]])
    if "make_data" in spec:
        m = spec["make_data"]
        df = make_data(m["seed"], eval(m["drift"]), m["rows"])
        col = df[m["column"]].to_numpy().astype(np.float64)
        start = m.get("start", 0)
        count = m.get("count", len(col) - start)
        return col[start:start + count]
    if "formula" in spec:
        # value_i = ((i * mult + add) % mod) * scale + offset, i = 0..n-1, computed as
        # float(int) * scale + offset (two IEEE operations, identical in Rust).
        f = spec["formula"]
        ints = [((i * f["mult"] + f["add"]) % f["mod"]) for i in range(f["n"])]
        return np.array([float(k) * f["scale"] + f["offset"] for k in ints])
    raise ValueError(spec)


def vals(xs):
    return {"values": [hx(v) for v in xs]}


def md(seed, drift, rows, column="days_since_login", start=0, count=None):
    m = {"seed": seed, "drift": drift, "rows": rows, "column": column}
    if start:
        m["start"] = start
    if count is not None:
        m["count"] = count
    return {"make_data": m}


def formula(n, mult, add, mod, scale=1.0, offset=0.0):
    return {"formula": {"n": n, "mult": mult, "add": add, "mod": mod, "scale": scale,
                        "offset": offset}}


def ks_cases():
    c = []

    def add(name, a, b, method="auto"):
        c.append((name, a, b, method))

    # tiny samples
    add("1 vs 1 distinct", vals([1.0]), vals([2.0]))
    add("1 vs 1 equal", vals([1.0]), vals([1.0]))
    add("1 vs 5", vals([3.0]), vals([1.0, 2.0, 4.0, 5.0, 6.0]))
    add("3 vs 4 separated", vals([1.0, 2.0, 3.0]), vals([4.0, 5.0, 6.0, 7.0]))
    add("3 vs 4 interleaved", vals([1.0, 3.0, 5.0]), vals([2.0, 4.0, 6.0, 8.0]))
    add("2 vs 2 reversed", vals([5.0, 6.0]), vals([1.0, 2.0]))
    add("identical 5", vals([1.0, 2.0, 3.0, 4.0, 5.0]), vals([5.0, 4.0, 3.0, 2.0, 1.0]))
    add("negative zero", vals([-0.0, 1.0, 2.0]), vals([0.0, 1.5, 3.0]))
    add("infinities", vals([-np.inf, 0.0, 1.0]), vals([0.5, 2.0, np.inf]))
    # ties and discrete data
    add("ties small", vals([1.0, 1.0, 2.0, 2.0, 3.0]), vals([1.0, 2.0, 2.0, 3.0, 3.0, 3.0]))
    add("discrete 0/1", formula(200, 7, 1, 2), formula(300, 3, 0, 2))
    add("discrete 5 levels n=m", formula(1000, 13, 2, 5), formula(1000, 7, 0, 5, 1.0, 0.5))
    add("discrete 90 levels shift", formula(3000, 37, 5, 90), formula(3000, 41, 3, 90, 1.0, 10.0))
    add("is_recent seed1 vs seed2", md(1, "0.0", 3000, "is_recent"), md(2, "10", 3000, "is_recent"))
    # n1 == n2 (exact: _compute_prob_outside_square)
    add("days n=m=3000 drift 0 vs 10", md(0, "0.0", 3000), md(100, "10.0", 3000))
    add("days n=m=3000 drift 0 vs 1", md(0, "0.0", 3000), md(200, "1.0", 3000))
    add("spend n=m=3000", md(0, "0.0", 3000, "spend_per_active_day"),
        md(200, "1.0", 3000, "spend_per_active_day"))
    add("book: days seed1 drift0.0 vs seed2 drift10", md(1, "0.0", 3000), md(2, "10", 3000))
    add("book: seed2 vs seed3 drift10", md(2, "10", 3000), md(3, "10", 3000))
    add("n=m=50 interleaved", formula(50, 17, 3, 101), formula(50, 19, 7, 103))
    add("n=m=10000", formula(10000, 7919, 11, 100003), formula(10000, 7907, 5, 100019, 1.0, 30.0))
    # n1 != n2 (exact: _compute_outer_prob_inside_method)
    add("spend 2250 vs 750", md(0, "0.0", 3000, "spend_per_active_day", 0, 2250),
        md(200, "1.0", 3000, "spend_per_active_day", 0, 750))
    add("days 1000 vs 700", md(0, "0.0", 3000, "days_since_login", 0, 1000),
        md(100, "10.0", 3000, "days_since_login", 0, 700))
    add("days 2250 vs 750 same dist", md(5, "0.0", 3000, "days_since_login", 0, 2250),
        md(6, "0.0", 3000, "days_since_login", 0, 750))
    add("coprime 97 vs 89", formula(97, 31, 2, 211), formula(89, 37, 5, 223, 1.0, 20.0))
    add("10 vs 15", formula(10, 3, 1, 17), formula(15, 5, 2, 19))
    add("600 vs 400 shift", formula(600, 101, 7, 997), formula(400, 103, 3, 991, 1.0, 60.0))
    add("7 vs 3000", md(7, "0.0", 7, "days_since_login"), md(8, "0.0", 3000))
    add("9999 vs 10000", formula(9999, 7919, 11, 100003), formula(10000, 7907, 5, 100019, 1.0, 3000.0))
    # p underflowing to 0.0
    add("underflow n=m=3000 shift 2500", formula(3000, 1, 0, 3000), formula(3000, 1, 2500, 10 ** 9))
    add("underflow 3000 vs 2000 disjoint", formula(3000, 1, 0, 3000), formula(2000, 1, 5000, 10 ** 9))
    add("underflow n=m=500 disjoint", formula(500, 1, 0, 500), formula(500, 1, 1000, 10 ** 9))
    # identical large samples
    add("identical days 3000", md(1, "0.0", 3000), md(1, "0.0", 3000))
    # explicit methods
    add("exact forced 3 vs 4", vals([1.0, 3.0, 5.0]), vals([2.0, 4.0, 6.0, 8.0]), "exact")
    add("asymp forced 3000 vs 3000 book", md(1, "0.0", 3000), md(2, "10", 3000), "asymp")
    add("asymp forced 1000 vs 700", md(0, "0.0", 3000, "days_since_login", 0, 1000),
        md(100, "10.0", 3000, "days_since_login", 0, 700), "asymp")
    add("asymp forced small D", md(5, "0.0", 3000, "days_since_login", 0, 2250),
        md(6, "0.0", 3000, "days_since_login", 0, 750), "asymp")
    add("asymp forced 40 vs 60", formula(40, 7, 1, 97), formula(60, 11, 2, 89), "asymp")
    add("asymp forced 100 vs 100 D large", formula(100, 1, 0, 100), formula(100, 1, 60, 10 ** 6), "asymp")
    # n > 10000: the asymptotic path under auto
    add("auto asymp 12000 vs 15000 days", md(11, "0.0", 12000), md(12, "1.0", 15000))
    add("auto asymp 20000 vs 20000 spend", md(13, "0.0", 20000, "spend_per_active_day"),
        md(14, "0.0", 20000, "spend_per_active_day"))
    add("auto asymp 20000 vs 20000 days drift 10", md(15, "0.0", 20000), md(16, "10", 20000))
    add("auto asymp 11000 vs 500", formula(11000, 7919, 11, 100003), formula(500, 7907, 5, 100019, 1.0, 2000.0))
    add("auto asymp identical 12000", md(11, "0.0", 12000), md(11, "0.0", 12000))
    add("auto asymp 15000 vs 12000 tiny shift", formula(15000, 7919, 11, 100003),
        formula(12000, 7907, 5, 100019, 1.0, 300.0))

    out = []
    for name, a, b, method in c:
        xa, xb = sample(a), sample(b)
        r = ks_2samp(xa, xb, method=method)
        out.append({
            "name": name,
            "method": method,
            "a": a,
            "b": b,
            "n1": len(xa),
            "n2": len(xb),
            "statistic": hx(r.statistic),
            "pvalue": hx(r.pvalue),
            "pvalue_repr": repr(float(r.pvalue)),
            "statistic_location": hx(r.statistic_location),
            "statistic_sign": int(r.statistic_sign),
            "call": "scipy.stats.ks_2samp(a, b, method=%r)" % method,
        })
    return out


def main():
    versions = {"numpy": np.__version__, "pandas": pd.__version__, "scipy": scipy.__version__,
                "scikit-learn": sklearn.__version__}
    cases = [(1, 0.0, 3000), (2, 10, 3000), (3, 10, 3000), (0, 0.0, 3000), (42, 10.0, 3000),
             (1, 10, 3000), (2, 0.5, 3000), (5, -3, 3000), (7, 37.25, 3000), (11, 0.0, 3000),
             (4, 0.0, 500)]
    gbm = {"versions": versions,
           "pipeline": "X = df[%r]; y = df.churned; train_test_split(X, y, test_size=0.25, "
                       "random_state=42); GradientBoostingClassifier(random_state=42).fit(X_train, "
                       "y_train); predict_proba(X_test)[:, 1]; roc_auc_score" % FEATURES,
           "cases": [gbm_case(*c) for c in cases]}
    with open(os.path.join(OUT, "gbm_cases.json"), "w") as f:
        json.dump(gbm, f, separators=(",", ":"))
        f.write("\n")
    ks = {"versions": versions, "cases": ks_cases()}
    with open(os.path.join(OUT, "ks_cases.json"), "w") as f:
        json.dump(ks, f, indent=1)
        f.write("\n")
    print("gbm cases:", len(gbm["cases"]), " ks cases:", len(ks["cases"]))


if __name__ == "__main__":
    main()
