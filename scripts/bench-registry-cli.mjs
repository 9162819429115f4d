// `make bench` (the command line's registry at its limits, issue 16): the release CLI imports a
// 1,000,000-event export (999,999 events, then a promotion makes the millionth), promotes and
// lists; the same at 100,001 events. Each figure is one run of the command, start to exit,
// beside its goal. `registry list` is the CLI's refresh: it reads the registry again.
// Usage: node scripts/bench-registry-cli.mjs [--json]   (needs `cargo build --release` first)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verdict } from './bench-goals.mjs';
import { longExport } from './long-registry.mjs';

const BIN = process.env.MLOPS_LOOP ?? 'target/release/mlops-loop';
const dir = mkdtempSync(join(tmpdir(), 'bench-registry-cli-'));
const results = {};

/** Run the CLI; its time in ms (start to exit). A failure ends the bench with its message. */
function timed(...args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(BIN, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${BIN} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return Math.round(ms);
}

try {
  for (const [key, events] of [['limit', 1_000_000], ['100k', 100_001]]) {
    const file = join(dir, `${key}.json`);
    writeFileSync(file, longExport(events, { production: false }));
    const reg = join(dir, `${key}-registry.json`);
    results[`cli_registry_import_${key}_ms`] = timed('registry', 'import', file, '--registry', reg);
    results[`cli_registry_promote_${key}_ms`] = timed('registry', 'promote', '1', '--registry', reg);
    results[`cli_registry_list_${key}_ms`] = timed('registry', 'list', '--registry', reg);
    results[`cli_registry_file_${key}_mib`] = Number((statSync(reg).size / 1024 / 1024).toFixed(1));
    rmSync(file);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv.includes('--json')) console.log(JSON.stringify(results));
else {
  const LABELS = {
    cli_registry_import_limit_ms: 'import 999,999 events (ms)',
    cli_registry_promote_limit_ms: '  then promote (event 1,000,000) (ms)',
    cli_registry_list_limit_ms: '  then list (ms)',
    cli_registry_file_limit_mib: '  the registry file (MiB)',
    cli_registry_import_100k_ms: 'import 100,001 events (ms)',
    cli_registry_promote_100k_ms: '  then promote (ms)',
    cli_registry_list_100k_ms: '  then list (ms)',
    cli_registry_file_100k_mib: '  the registry file (MiB)',
  };
  console.log('registry CLI bench (release build, one run each, start to exit)');
  for (const [k, label] of Object.entries(LABELS)) {
    if (results[k] !== undefined) console.log(`  ${label.padEnd(44)} ${String(results[k]).padStart(7)}  ${verdict(k, results[k])}`);
  }
}
