# Gate 1: should the loop retrain?
# Compare every live feature with the reference (the data the production model was
# trained on) and ask for a new model when at least one has moved.

ALPHA = 0.01  # the chance of a false alarm we accept per check, for all features together


def should_retrain(reference, live):
    # One two-sample Kolmogorov-Smirnov test per feature.
    pvalues = {}
    for column in reference:
        pvalues[column] = ks_2samp(reference[column], live[column]).pvalue
    # Three tests give three chances of a false alarm. Bonferroni pays for that:
    # a feature counts as moved when its p-value times the number of tests
    # (never more than 1) is at most ALPHA.
    tests = len(pvalues)
    moved = [c for c in pvalues if min(pvalues[c] * tests, 1.0) <= ALPHA]
    if moved:
        return True, "moved: " + ", ".join(moved)
    return False, "no feature moved"
