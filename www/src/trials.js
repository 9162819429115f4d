// How partial results of the trial experiments combine: the worker folds its chunks with these,
// and the page folds the two workers' halves with the same functions (trial i is seeded by its
// index, so any split of the range merges into the one-call result).

function concat(a, b) {
  const out = new Float64Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** `driftTrials` results of consecutive index ranges, in order. */
export const mergeDriftTrials = (a, b) => ({
  trials: a.trials + b.trials,
  alarms: a.alarms + b.alarms,
  alarms_per_feature: a.alarms_per_feature.map((x, i) => x + b.alarms_per_feature[i]),
  pvalues: concat(a.pvalues, b.pvalues),
});
/** The empty `driftTrials` result. */
export const noDriftTrials = () => ({ trials: 0, alarms: 0, alarms_per_feature: [0, 0, 0], pvalues: new Float64Array(0) });

/** `promotionTrials` results of consecutive index ranges, in order. */
export const mergePromotionTrials = (a, b) => ({
  rounds: a.rounds + b.rounds, promotions: a.promotions + b.promotions,
  promotions_without_margin: a.promotions_without_margin + b.promotions_without_margin, diffs: concat(a.diffs, b.diffs),
  true_gains: concat(a.true_gains, b.true_gains),
});
/** The empty `promotionTrials` result. */
export const noPromotionTrials = () => ({ rounds: 0, promotions: 0, promotions_without_margin: 0, diffs: new Float64Array(0), true_gains: new Float64Array(0) });
