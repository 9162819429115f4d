"""`make bench` helper: scikit-learn's fit time for the book's model, as JSON on stdout.

Same data and split as the Rust benchmark: make_data(1, 0.0, rows) as the book writes it,
train_test_split(test_size=0.25, random_state=42), GradientBoostingClassifier(random_state=42).
Usage: python scripts/bench_sklearn.py 3000:15 30000:3 300000:1
"""
import json
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.model_selection import train_test_split


def make_data(seed, drift, n):
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 90, n) + drift
    spend = rng.exponential(5, n)
    is_recent = (days < 30).astype(int)
    churned = rng.binomial(1, 1 / (1 + np.exp(-(days / 30 - 1))))
    return pd.DataFrame({"spend_per_active_day": spend, "is_recent": is_recent,
                         "days_since_login": days, "churned": churned})


def main():
    out = []
    for arg in sys.argv[1:]:
        rows, _, reps = arg.partition(":")
        rows, reps = int(rows), int(reps or 5)
        df = make_data(1, 0.0, rows)
        X = df[["spend_per_active_day", "is_recent", "days_since_login"]]
        y = df["churned"]
        X_tr, _, y_tr, _ = train_test_split(X, y, test_size=0.25, random_state=42)
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            GradientBoostingClassifier(random_state=42).fit(X_tr, y_tr)
            times.append((time.perf_counter() - t) * 1e3)
        times.sort()
        out.append({"train_rows": len(X_tr), "median_ms": round(times[len(times) // 2], 3),
                    "reps": reps})
    print(json.dumps({"sklearn": sklearn.__version__, "numpy": np.__version__, "results": out}))


if __name__ == "__main__":
    main()
