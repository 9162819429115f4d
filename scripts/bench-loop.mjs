// `make bench`, counterfactual part (issue 16, point 6): what `loop --counterfactual-weeks 8` costs
// beside the same run without counterfactuals, natively, at 200 and 520 weeks.
// Each decision with a counterfactual needs one candidate fit (the road not taken: "retrain" when
// gate 1 kept, or the model it would have kept) and its scores on the next weeks; the live
// version's scores are kept from week to week. So the extra CPU time per counterfactual should be
// that work and no more: one candidate-sized fit (2,250 rows), the candidate's scores and AUC on the
// 8 weeks ahead, the live version's scores on one new week and its AUC (bench_loop measures that
// work by hand); their ratio is the figure beside its goal.
// CPU time counts every thread, so it does not depend on the machine's load; wall time does (the
// candidates are trained on a second thread natively). Usage: node scripts/bench-loop.mjs [--quick]
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { verdict } from './bench-goals.mjs';

const quick = process.argv.includes('--quick');
const weeks = quick ? [200] : [200, 520];
const args = weeks.flatMap((w) => [`${w}:0`, `${w}:8`]);
console.log(`== loop with counterfactuals (native, schedule none, seed 0): ${args.join(' ')}; load ${loadavg()[0].toFixed(1)} on the machine`);
const r = JSON.parse(execFileSync('cargo', ['run', '--release', '--quiet', '--example', 'bench_loop', '--', ...args],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));

const s = (ms) => `${(ms / 1000).toFixed(2)} s`.padStart(9);
console.log(`\n${'weeks'.padStart(5)}  ${'cf'.padStart(2)}  ${'wall'.padStart(9)}  ${'CPU'.padStart(9)}  ${'decisions'.padStart(9)}  ${'extra CPU per counterfactual'.padStart(28)}`);
for (const w of weeks) {
  const base = r.runs.find((x) => x.weeks === w && x.counterfactual_weeks === 0);
  const cf = r.runs.find((x) => x.weeks === w && x.counterfactual_weeks === 8);
  console.log(`${String(w).padStart(5)}  ${' 0'}  ${s(base.wall_ms)}  ${s(base.cpu_ms)}`);
  const per = (cf.cpu_ms - base.cpu_ms) / cf.counterfactuals;
  console.log(`${String(w).padStart(5)}  ${' 8'}  ${s(cf.wall_ms)}  ${s(cf.cpu_ms)}  ${String(cf.counterfactuals).padStart(9)}  ${`${per.toFixed(1)} ms`.padStart(28)}`);
  const work = r.fit_cpu_ms + r.scores_cpu_ms;
  const ratio = per / work;
  const key = 'cf_cpu_per_decision_over_work';
  console.log(`       one counterfactual's work by hand: fit ${r.fit_cpu_ms.toFixed(1)} ms + scores ${r.scores_cpu_ms.toFixed(1)} ms CPU ` +
    `(fit ${r.fit_wall_ms.toFixed(1)} ms wall)`);
  console.log(`       extra CPU per counterfactual / that work: ${ratio.toFixed(2)}×  ${verdict(key, ratio)}`);
  console.log(`       wall, with / without: ${(cf.wall_ms / base.wall_ms).toFixed(1)}× (load-dependent; CPU is not)`);
}
