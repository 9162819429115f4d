# Gate 2: should the candidate replace the current model?
# Both models scored the same recent labelled rows; compare them on those rows.

MARGIN = 0.0  # how much better (in AUC) the candidate must be at least


def should_promote(y_true, current_scores, candidate_scores):
    current = roc_auc_score(y_true, current_scores)
    candidate = roc_auc_score(y_true, candidate_scores)
    promote = candidate >= current + MARGIN
    reason = ("candidate AUC " + str(round(candidate, 4)) + ", current " + str(round(current, 4))
              + ", margin " + str(MARGIN))
    return promote, reason
