// `make bench`: the speed goals (issue 15), in one place, and how a figure is printed beside its goal.
// Each goal is [at most | at least, value, unit]; `verdict` says whether a measured figure meets it.

export const GOALS = {
  // the model fit (scripts/bench-fit.mjs)
  fit_2250_wasm_ms: ['≤', 10, 'ms'],
  sk_over_wasm_2250: ['≥', 15, '×'],
  growth_22500_over_2250: ['≤', 12, '×'],
  growth_225000_over_22500: ['≤', 12, '×'],
  sk_over_native_22500: ['≥', 10, '×'],
  sk_over_native_225000: ['≥', 10, '×'],
  // the loop's counterfactuals (scripts/bench-loop.mjs): extra CPU per counterfactual over the work
  // one needs (a candidate fit and the scores ahead): proportional, nothing repeated
  cf_cpu_per_decision_over_work: ['≤', 1.1, '×'],
  // the page (scripts/bench-browser.mjs)
  cold_load_median_of_5_ms: ['≤', 150, 'ms'],
  transfer_gzip_kib: ['≤', 293, 'KiB'],
  walkthrough_ms: ['≤', 25, 'ms'],
  ks_trials_1000_n3000_ms: ['≤', 200, 'ms'],
  longest_main_thread_task_ms: ['≤', 50, 'ms'],
  loop_52_weeks_ms: ['≤', 150, 'ms'],
  timeline_cold_ms: ['≤', 400, 'ms'],
  longest_task_timeline_cold_ms: ['≤', 50, 'ms'],
  // the registry at its limits (issue 16; bench-browser.mjs)
  registry_import_limit_ms: ['≤', 10000, 'ms'],
  registry_promote_100k_ms: ['≤', 200, 'ms'],
  registry_refresh_100k_ms: ['≤', 200, 'ms'],
  registry_longest_task_ms: ['≤', 50, 'ms'],
  registry_import_longest_task_ms: ['≤', 50, 'ms'],
  // the same import in the command line (bench-registry-cli.mjs; its promote and list are
  // printed without a goal: each command reads, and a write rewrites, the whole registry file)
  cli_registry_import_limit_ms: ['≤', 10000, 'ms'],
  // the learner's sandbox (issue 12; bench-python.mjs)
  editor_ready_ms: ['≤', 1500, 'ms'],
  learner_trigger_1000_checks_ms: ['≤', 2000, 'ms'],
  learner_year_ms: ['≤', 1000, 'ms'],
};

/** "goal ≤ 10 ms: met" for a measured value, or "" when the key has no goal. */
export function verdict(key, value) {
  const g = GOALS[key];
  if (!g || value === undefined || value === null || Number.isNaN(value)) return '';
  const [op, target, unit] = g;
  const met = op === '≤' ? value <= target : value >= target;
  return `goal ${op} ${target}${unit === '×' ? '×' : ` ${unit}`}: ${met ? 'met' : 'MISSED'}`;
}
