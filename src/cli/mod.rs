//! The native command line: the same core as the page, for the book's own build to check outputs.
//!
//! Exit codes: 0 success, 2 bad input (an argument outside its domain, a malformed file), 1 other
//! failures (I/O), 141 when the reader of standard output went away (`| head`: nothing printed,
//! as a Unix tool ended by SIGPIPE).
//!
//! Every file named on the command line is read through a cap (the model: the loader's 64 MiB;
//! an import: 128 MiB; a registry file: 256 MiB; a learner's `--trigger` or `--gate`: the
//! sandbox's 64 KiB), so `/dev/zero` or a huge file is refused after that many bytes, never read
//! until memory runs out.

use clap::{Parser, Subcommand};

pub mod data;
pub mod loop_cmd;
pub mod model;
pub mod registry;
pub mod words;

/// The book chapter's MLOps loop from the command line, bit-exact to its Python (the same core as
/// the page).
#[derive(Debug, Parser)]
#[command(name = "mlops-loop", version, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the crate version and build id.
    Info,
    /// Print the book's frame `make_data(seed, drift)` as CSV (pandas' `to_csv`) or JSON.
    Data(data::DataArgs),
    /// Print the frame's 12-hex fingerprint (sha256 of pandas' `hash_pandas_object`).
    Fingerprint(data::FrameArgs),
    /// The model registry in a JSON file: list, show, history, promote, rollback, export, import.
    Registry(registry::RegistryArgs),
    /// Train the book's model on a frame's 75 % split; print version, fingerprint, AUC, hash.
    Train(model::TrainArgs),
    /// Score every row of a frame with a saved model; print the AUC and the probabilities.
    Predict(model::PredictArgs),
    /// Two-sample KS test (scipy `ks_2samp`) of one column of two frames.
    Ks(model::KsArgs),
    /// Print the chapter's three lines, computed.
    Chapter,
    /// Run the loop over simulated weeks and print its timeline (a table, or JSON).
    Loop(loop_cmd::LoopArgs),
}

/// The exit code when standard output is a closed pipe (128 + SIGPIPE, what a shell reports for
/// a process that SIGPIPE ended).
pub const EXIT_BROKEN_PIPE: i32 = 141;

/// The bytes of the file at `path`, at most `cap` of them (`what` names it in messages).
///
/// # Errors
/// Code 1 if it cannot be read; code 2 if it holds more than `cap` bytes (not read further).
pub fn read_capped(path: &std::path::Path, cap: usize, what: &str) -> Result<Vec<u8>, Failure> {
    match crate::registry::file::read_at_most(path, cap) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(Failure {
            code: 2,
            message: format!(
                "{what} {} holds more than {cap} bytes, the limit; it was not read",
                path.display()
            ),
        }),
        Err(e) => Err(Failure {
            code: 1,
            message: format!("cannot read {what} {}: {e}", path.display()),
        }),
    }
}

/// Write `bytes` to the file at `path` (`what` names it in messages) so that a failed write leaves
/// the file that was there as it was: a temporary file beside it, synced, renamed over it (its
/// permissions kept). A path that is not a regular file (`/dev/stdout`, a pipe) is written to
/// directly.
///
/// # Errors
/// Code 1, naming `what` and the path, when any step fails (nothing is left behind).
pub fn write_file(path: &std::path::Path, bytes: &[u8], what: &str) -> Result<(), Failure> {
    use std::io::Write as _;
    let fail = |e: std::io::Error| Failure {
        code: 1,
        message: format!("cannot write {what} {}: {e}", path.display()),
    };
    // Through a symbolic link to the file it names, so the link stays a link.
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let old = std::fs::metadata(&target).ok();
    let dangling = old.is_none()
        && std::fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_symlink());
    if dangling || old.as_ref().is_some_and(|m| !m.is_file()) {
        return std::fs::write(&target, bytes).map_err(fail);
    }
    let mut name = target
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    let tmp = target.with_file_name(name);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        if let Some(m) = &old {
            f.set_permissions(m.permissions())?;
        }
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(fail)
}

/// A CLI failure: its message and the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    /// Process exit code (2 = bad input).
    pub code: i32,
    /// What went wrong, for stderr.
    pub message: String,
}

impl From<crate::Error> for Failure {
    fn from(e: crate::Error) -> Self {
        Failure {
            code: 2,
            message: e.to_string(),
        }
    }
}

/// Run one parsed command, writing its output to `out`.
///
/// # Errors
/// A [`Failure`] whose code is 2 for bad input and 1 for I/O errors.
pub fn run(cli: Cli, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let io = |e: std::io::Error| Failure {
        code: 1,
        message: e.to_string(),
    };
    match cli.command {
        Command::Info => {
            writeln!(out, "mlops-loop {}", crate::build_id()).map_err(io)?;
        }
        Command::Data(args) => data::run_data(&args, out)?,
        Command::Fingerprint(args) => data::run_fingerprint(&args, out)?,
        Command::Registry(args) => registry::run_registry(&args, out)?,
        Command::Train(args) => model::run_train(&args, out)?,
        Command::Predict(args) => model::run_predict(&args, out)?,
        Command::Ks(args) => model::run_ks(&args, out)?,
        Command::Chapter => model::run_chapter_cmd(out)?,
        Command::Loop(args) => loop_cmd::run_loop(&args, out)?,
    }
    Ok(())
}
