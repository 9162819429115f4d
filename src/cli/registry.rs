//! `mlops-loop registry ...`: the model registry in a JSON file, from the shell: list, show,
//! history, promote, rollback, export, import. The same [`Registry`] as the page, over a
//! [`FileStore`] instead of IndexedDB.
//!
//! Time stamps come from the wall clock (whole ms since the Unix epoch) unless `--time MS` is
//! given. `history`, `show` and the verbs' event lines round the numbers of reasons, evidence and
//! metrics to 4 significant digits as the loop's table does ([`super::words::readable`]);
//! `export` keeps every digit.

use super::words::readable;
use super::Failure;
use crate::registry::{
    block_on, check_import, time_text, Actor, Cause, CheckedImport, Event, Evidence, FileStore,
    Registry, Store, StoreError, MAX_IMPORT_BYTES,
};
use crate::Error;
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `mlops-loop registry`.
#[derive(Debug, Args)]
pub struct RegistryArgs {
    /// The registry file (one JSON document; created by `registry import` or `loop --registry`).
    #[arg(long, global = true, value_name = "FILE")]
    pub registry: Option<PathBuf>,
    /// Time stamp of a change, in ms (default: now). Must not be earlier than the last event.
    #[arg(long, global = true, value_name = "MS", allow_hyphen_values = true)]
    pub time: Option<f64>,
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// The registry verbs.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// List every version with its label, stage and aliases.
    List,
    /// Show one version (number, `v3`, alias or label): lineage, metrics, hash.
    Show {
        /// The version: `3`, `v3`, an alias (`champion`) or a label (`1.1.0`).
        version: String,
    },
    /// Print the history, one event per line, with actor, reason and evidence (numbers to 4
    /// significant digits; `export` keeps them exact).
    History,
    /// Promote a version to Production (the current one is archived in the same write).
    Promote {
        /// The version: `3`, `v3`, an alias or a label.
        version: String,
        /// Why (recorded in the history).
        #[arg(long, default_value = "promoted from the command line")]
        reason: String,
    },
    /// Return Production to the previous production version.
    Rollback {
        /// Why (recorded in the history).
        #[arg(long, default_value = "rolled back from the command line")]
        reason: String,
    },
    /// Print the whole registry as JSON (or write it to `--out`).
    Export {
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Replace the whole registry with an export (validated in full first; refused → unchanged).
    Import {
        /// The export to read.
        file: PathBuf,
    },
}

fn fail(e: Error) -> Failure {
    let code = match &e {
        Error::Store(
            StoreError::Io(_)
            | StoreError::Quota(_)
            | StoreError::Aborted(_)
            | StoreError::Conflict(_),
        ) => 1,
        _ => 2,
    };
    Failure {
        code,
        message: e.to_string(),
    }
}

fn io(e: std::io::Error) -> Failure {
    Failure {
        code: 1,
        message: e.to_string(),
    }
}

/// The wall clock in whole ms since the Unix epoch (as JavaScript's `Date.now()`).
fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as f64)
        .unwrap_or(0.0)
}

/// Resolve `3`, `v3`, an alias or a label to a version number.
fn resolve<S: Store>(reg: &Registry<S>, spec: &str) -> Result<u32, Failure> {
    let digits = spec.strip_prefix('v').unwrap_or(spec);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return digits.parse::<u32>().map_err(|_| {
            fail(Error::invalid(
                "version",
                spec,
                "too large for a version number",
            ))
        });
    }
    let state = block_on(reg.state()).map_err(fail)?;
    if let Some(v) = state.aliases.get(spec) {
        return Ok(*v);
    }
    state.find_label(spec).ok_or_else(|| {
        fail(Error::invalid(
            "version",
            format!("{spec:?}"),
            "not a version number, an alias or a label in this registry",
        ))
    })
}

fn evidence_text(e: &Evidence) -> String {
    let mut parts = Vec::new();
    for (name, v) in [
        ("ks_p", e.ks_p),
        ("ks_d", e.ks_d),
        ("auc_current", e.auc_current),
        ("auc_candidate", e.auc_candidate),
        ("margin", e.margin),
    ] {
        if let Some(v) = v {
            parts.push(format!("{name}={}", readable(&format!("{v:?}"))));
        }
    }
    if let Some(d) = &e.dataset {
        parts.push(format!("dataset={d:?}"));
    }
    if let Some(n) = &e.note {
        parts.push(format!("note={}", readable(&format!("{n:?}"))));
    }
    parts.join(" ")
}

fn event_line(e: &Event) -> String {
    let mut line = format!(
        "#{} t={} {} {}",
        e.seq,
        time_text(e.time),
        e.actor,
        e.change.describe()
    );
    if !e.reason.is_empty() {
        line.push_str(&format!(" — {}", readable(&e.reason)));
    }
    if let Some(ev) = &e.evidence {
        line.push_str(&format!(" [{}]", evidence_text(ev)));
    }
    line
}

/// Run `mlops-loop registry ...`, writing its output to `out`.
///
/// # Errors
/// A [`Failure`]: code 2 for bad input (missing `--registry`, unknown version, malformed or
/// corrupt file, refused import), 1 for storage failures (I/O, lock held, conflict).
pub fn run_registry(args: &RegistryArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let Some(path) = &args.registry else {
        return Err(fail(Error::invalid(
            "--registry",
            "<missing>",
            "give the registry file: --registry path.json",
        )));
    };
    let time = match args.time {
        Some(t) => t,
        None => now_ms(),
    };
    // An import is read and checked in full before the registry file is opened: a refused one
    // creates no file.
    let checked = match &args.action {
        Action::Import { file } => Some(read_import(file)?),
        _ => None,
    };
    // Only an import creates a registry file (and `loop --registry`). Every other command on a
    // missing file is refused: a mistyped path read as an empty registry would list nothing and
    // export an empty registry, whose import would then replace a real one with nothing.
    let missing = matches!(std::fs::symlink_metadata(path), Err(e) if e.kind() == std::io::ErrorKind::NotFound);
    // An export written over the registry file would leave a file no registry command reads.
    if let Action::Export { out: Some(file) } = &args.action {
        if let (Ok(a), Ok(b)) = (std::fs::canonicalize(file), std::fs::canonicalize(path)) {
            if a == b {
                return Err(fail(Error::invalid(
                    "--out",
                    file.display(),
                    "that is the registry file itself: an export is not a registry file; \
                     write it to another file",
                )));
            }
        }
    }
    if missing && checked.is_none() {
        return Err(fail(Error::invalid(
            "--registry",
            path.display(),
            "no registry file there (a registry file is created by `registry import` or \
             `loop --registry`)",
        )));
    }
    let reg = block_on(Registry::open(FileStore::new(path))).map_err(fail)?;
    act(&reg, &args.action, time, checked, out)
}

/// The export in `file`, read through its cap and checked in full as an import.
fn read_import(file: &std::path::Path) -> Result<CheckedImport, Failure> {
    let bytes = super::read_capped(file, MAX_IMPORT_BYTES, "the export")?;
    let text = String::from_utf8(bytes).map_err(|e| {
        fail(Error::Malformed {
            what: "registry import",
            reason: format!("{} is not UTF-8 text: {e}", file.display()),
        })
    })?;
    check_import(&text).map_err(fail)
}

fn act<S: Store>(
    reg: &Registry<S>,
    action: &Action,
    time: f64,
    checked: Option<CheckedImport>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let cause = |reason: &str| Cause::new(Actor::User, reason, time);
    match action {
        Action::List => {
            let list = block_on(reg.list()).map_err(fail)?;
            writeln!(
                out,
                "{:<8} {:<16} {:<11} aliases",
                "version", "label", "stage"
            )
            .map_err(io)?;
            for l in list {
                writeln!(
                    out,
                    "{:<8} {:<16} {:<11} {}",
                    l.version,
                    l.label,
                    l.stage.name(),
                    l.aliases.join(",")
                )
                .map_err(io)?;
            }
        }
        Action::Show { version } => {
            let v = resolve(reg, version)?;
            let m = block_on(reg.get(v)).map_err(fail)?;
            let state = block_on(reg.state()).map_err(fail)?;
            let l = &m.lineage;
            writeln!(out, "version {} ({})", m.version, m.label).map_err(io)?;
            writeln!(out, "stage: {}", state.stage(v)).map_err(io)?;
            writeln!(out, "aliases: {}", state.aliases_of(v).join(",")).map_err(io)?;
            writeln!(out, "created_at: {}", m.created_at).map_err(io)?;
            writeln!(
                out,
                "model: sha256 {} ({} bytes)",
                m.model_hash,
                m.model_json.len()
            )
            .map_err(io)?;
            writeln!(
                out,
                "lineage: data_fingerprint={} seed={} drift={} rows={} code_version={} build_id={}",
                l.data_fingerprint, l.seed, l.drift, l.rows, l.code_version, l.build_id
            )
            .map_err(io)?;
            writeln!(out, "params: {}", l.params).map_err(io)?;
            for metric in &m.metrics {
                writeln!(
                    out,
                    "metric {} = {} on {}",
                    metric.name,
                    readable(&format!("{:?}", metric.value)),
                    metric.dataset
                )
                .map_err(io)?;
            }
        }
        Action::History => {
            for e in block_on(reg.history()).map_err(fail)? {
                writeln!(out, "{}", event_line(&e)).map_err(io)?;
            }
        }
        Action::Promote { version, reason } => {
            let v = resolve(reg, version)?;
            let e = block_on(reg.promote(v, &cause(reason))).map_err(fail)?;
            writeln!(out, "{}", event_line(&e)).map_err(io)?;
        }
        Action::Rollback { reason } => {
            let e = block_on(reg.rollback(&cause(reason))).map_err(fail)?;
            writeln!(out, "{}", event_line(&e)).map_err(io)?;
        }
        Action::Export { out: file } => {
            let text = block_on(reg.export_json()).map_err(fail)?;
            match file {
                Some(f) => super::write_file(f, (text + "\n").as_bytes(), "the export")?,
                None => writeln!(out, "{text}").map_err(io)?,
            }
        }
        Action::Import { file } => {
            let checked = match checked {
                Some(c) => c,
                None => read_import(file)?,
            };
            let s = block_on(reg.import_checked(checked)).map_err(fail)?;
            writeln!(
                out,
                "imported {} version(s) and {} event(s)",
                s.versions, s.events
            )
            .map_err(io)?;
        }
    }
    Ok(())
}
