//! The learner's gates in Python: a sandboxed interpreter ([monty], a Python subset in Rust: no
//! CPython, no file system, no network) running a trigger or gate file against the contract of
//! [`crate::learner`], with the book's library functions as host functions.
//!
//! The contract (docs/learner-code.md has examples):
//! - a trigger file defines `should_retrain(reference, live)`; `reference` and `live` map each of
//!   the three column names (`spend_per_active_day`, `is_recent`, `days_since_login`) to a list of
//!   floats; it returns a bool, or `(bool, reason)`;
//! - a gate file defines `should_promote(y_true, current_scores, candidate_scores)`: the labels
//!   (ints 0/1) and both models' churn probabilities on the same recent rows; same return.
//!
//! Host functions, computed by this crate (so bit for bit the book's libraries):
//! - `ks_2samp(a, b)`: scipy's two-sample KS test (`method='auto'`), a named tuple with
//!   `.statistic`, `.pvalue`, `.statistic_location`, `.statistic_sign` ([`crate::stats::ks`]);
//! - `roc_auc_score(y_true, y_score)`: scikit-learn's ROC AUC ([`crate::metrics::roc_auc`]);
//! - `resample(xs, ys, ...)`: the same rows of every list drawn with replacement (a bootstrap
//!   resample; one list in, one list out), seeded from the run's seed, the check number and the
//!   call's number within the check (ChaCha8), so a run is reproducible.
//!
//! Every call runs under [`LIMITS`]: interpreter time, memory asked for at once, recursion depth,
//! host calls, printed output. A program that passes one is stopped with a message saying which.
//! The interpreter checks its time between two instructions; one instruction that runs on (a
//! power of huge integers) is stopped in the page by ending the sandbox's worker, when the call
//! has not beaten ([`beat`]) for [`Limits::stall_ms`].

mod host;

use crate::learner::{LearnerGate, LearnerTrigger, ProgramError, ProgramErrorKind, Verdict};
use crate::monitor::Columns;
use crate::{Error, Result};
use monty::{MontyRun, RunProgress};
use monty_types::{
    CompileOptions, ExcType, MontyException, MontyObject, NameLookupResult, PrintWriter,
    ResourceLimits, ResourceTracker,
};
use std::time::Duration;

pub use host::HOST_FUNCTIONS;

/// Starter trigger: the built-in gate 1 of the loop (KS on all three features, Bonferroni at
/// alpha 0.01) written in Python; it gives the same verdicts.
pub const STARTER_TRIGGER: &str = include_str!("starter_trigger.py");
/// Starter gate: the built-in gate 2 (promote when the candidate's AUC on the same recent rows is
/// at least the current model's plus the margin, 0; [`crate::gates::promotes`]) written in Python.
pub const STARTER_GATE: &str = include_str!("starter_gate.py");

/// The limits every call of a learner's function runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Limits {
    /// Interpreter time per call (time spent in host functions is not counted), in ms.
    pub time_ms: u64,
    /// Most memory one operation may ask for at once (`[0] * 10**9`), in bytes. It also bounds
    /// the time of one operation on big integers, which the time limit cannot interrupt: the
    /// operation runs to its end before the limit is checked (docs/learner-code.md).
    pub memory_bytes: usize,
    /// Deepest Python call stack.
    pub recursion_depth: usize,
    /// Most host-function calls per call.
    pub host_calls: usize,
    /// Most bytes of `print` output kept per call.
    pub output_bytes: usize,
    /// Longest source file, in bytes.
    pub source_bytes: usize,
    /// How long the page lets a call go without a [`beat`] before it ends the sandbox's worker
    /// (www/src/sandbox.js), in ms: the time limit with room for the host's work between calls.
    pub stall_ms: u64,
}

/// The limits (docs/learner-code.md states them to the learner).
pub const LIMITS: Limits = Limits {
    time_ms: 1000,
    // 16 MB: `10**(10**8)` (a 42 MB integer) was let through at 256 MB and ran 44 s in one
    // instruction; at 16 MB the largest product (two 8 MB integers) takes about 2 s natively.
    memory_bytes: 16 << 20,
    recursion_depth: 200,
    host_calls: 10_000,
    output_bytes: 16 << 10,
    source_bytes: 64 << 10,
    stall_ms: 5_000,
};

/// Where [`beat`] goes: set once by the WebAssembly boundary ([`on_beat`]; src/wasm/learner.rs
/// posts it to the page), unset natively.
static BEAT: std::sync::OnceLock<fn(u64)> = std::sync::OnceLock::new();

/// Have [`beat`] call `f` with [`Limits::stall_ms`] (the first hook set stays).
pub fn on_beat(f: fn(u64)) {
    let _ = BEAT.set(f);
}

/// Tell the page's watchdog that the learner's call is still moving: sent when the learner's
/// function is called and at each host-function call, with [`Limits::stall_ms`], the time the
/// call may now go without another beat (the boundary passes it on at most every 200 ms). The
/// interpreter's own time limit is checked between two instructions, and one instruction on huge
/// integers within the memory limit (`pow(3, (1 << (12 * 10**7)) - 1, 10**1000 + 7)`: over 100 s
/// natively) runs on past it; only ending the worker stops it. Nothing natively, where no hook
/// is set: a command-line run is ended by its user (Ctrl-C).
pub(crate) fn beat() {
    if let Some(f) = BEAT.get() {
        f(LIMITS.stall_ms);
    }
}

/// Which function a file must define.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// `should_retrain(reference, live)`.
    Trigger,
    /// `should_promote(y_true, current_scores, candidate_scores)`.
    Gate,
}

impl Entry {
    /// The function's name.
    pub fn function(self) -> &'static str {
        match self {
            Entry::Trigger => "should_retrain",
            Entry::Gate => "should_promote",
        }
    }

    /// The function's signature, as the contract states it.
    pub fn signature(self) -> &'static str {
        match self {
            Entry::Trigger => "should_retrain(reference, live)",
            Entry::Gate => "should_promote(y_true, current_scores, candidate_scores)",
        }
    }

    /// The file name shown in tracebacks.
    pub fn file(self) -> &'static str {
        match self {
            Entry::Trigger => "trigger.py",
            Entry::Gate => "gate.py",
        }
    }

    fn inputs(self) -> &'static [&'static str] {
        match self {
            Entry::Trigger => &["_mlops_reference", "_mlops_live"],
            Entry::Gate => &["_mlops_y_true", "_mlops_current", "_mlops_candidate"],
        }
    }
}

/// A learner's file, parsed once and called once per check.
#[derive(Debug, Clone)]
pub struct Program {
    entry: Entry,
    runner: MontyRun,
    /// Lines of the learner's own source (the call line comes after them).
    lines: u32,
    seed: u128,
    /// What the last call printed.
    output: String,
}

impl Program {
    /// Parse a trigger file (`should_retrain`); `seed` seeds `resample`.
    ///
    /// # Errors
    /// [`Error::Program`] for a syntax error (with its line) or a file over the size limit.
    pub fn trigger(source: &str, seed: u128) -> Result<Self> {
        Self::new(Entry::Trigger, source, seed)
    }

    /// Parse a gate file (`should_promote`); `seed` seeds `resample`.
    ///
    /// # Errors
    /// As [`Program::trigger`].
    pub fn gate(source: &str, seed: u128) -> Result<Self> {
        Self::new(Entry::Gate, source, seed)
    }

    /// Parse `source` as the file of `entry`.
    ///
    /// # Errors
    /// As [`Program::trigger`].
    pub fn new(entry: Entry, source: &str, seed: u128) -> Result<Self> {
        let fail = |kind, message: String, line| {
            Error::Program(ProgramError {
                kind,
                message,
                traceback: String::new(),
                line,
                file: entry.file().into(),
            })
        };
        if source.len() > LIMITS.source_bytes {
            return Err(fail(
                ProgramErrorKind::Limit,
                format!(
                    "the file is {} bytes; the limit is {} bytes",
                    source.len(),
                    LIMITS.source_bytes
                ),
                None,
            ));
        }
        let lines = u32::try_from(source.lines().count()).unwrap_or(u32::MAX);
        // Parse the learner's file alone first, so that a syntax error points at their line and
        // not at the call appended below.
        MontyRun::new(
            source.to_owned(),
            entry.file(),
            vec![],
            CompileOptions::default(),
        )
        .map_err(|e| Error::Program(program_error(entry, &e, lines, true)))?;
        let code = format!(
            "{source}\n{}({})\n",
            entry.function(),
            entry.inputs().join(", ")
        );
        let inputs = entry.inputs().iter().map(|s| (*s).to_string()).collect();
        let runner = MontyRun::new(code, entry.file(), inputs, CompileOptions::default())
            .map_err(|e| Error::Program(program_error(entry, &e, lines, true)))?;
        Ok(Program {
            entry,
            runner,
            lines,
            seed,
            output: String::new(),
        })
    }

    /// What the last call printed (at most [`Limits::output_bytes`]).
    pub fn output(&self) -> &str {
        &self.output
    }

    /// Which function the file defines.
    pub fn entry(&self) -> Entry {
        self.entry
    }

    /// Run the file and call its function with `args`; `check` numbers the call.
    ///
    /// # Errors
    /// [`Error::Program`]: an exception (traceback and line), a limit passed, or a result that
    /// is not a bool or `(bool, str)`.
    pub fn call(&mut self, args: Vec<MontyObject>, check: u64) -> Result<Verdict> {
        let entry = self.entry;
        let limits = ResourceLimits {
            max_duration: Some(Duration::from_millis(LIMITS.time_ms)),
            max_memory: Some(LIMITS.memory_bytes),
            gc_interval: None,
            max_recursion_depth: LIMITS.recursion_depth,
            max_suspensions: LIMITS.host_calls,
        };
        let mut output = String::new();
        let mut resamples = 0u64;
        let mut host_calls = 0usize;
        let lines = self.lines;
        let fail = |e: MontyException| Error::Program(program_error(entry, &e, lines, false));
        beat();
        let mut progress = self
            .runner
            .clone()
            .start(args, ResourceTracker::new(limits), print(&mut output))
            .map_err(fail)?;
        let value = loop {
            progress = match progress {
                RunProgress::Complete(v) => break v,
                RunProgress::FunctionCall(call) => {
                    beat();
                    host_calls += 1;
                    if host_calls > LIMITS.host_calls {
                        let e = limit_exception(format!(
                            "more than {} calls of ks_2samp/roc_auc_score/resample in one call",
                            LIMITS.host_calls
                        ));
                        call.abort(e, print(&mut output))
                    } else {
                        let ctx = host::Context {
                            seed: self.seed,
                            check,
                            resample: &mut resamples,
                        };
                        let r = host::call(&call.function_name, &call.args, &call.kwargs, ctx);
                        call.resume(r, print(&mut output))
                    }
                }
                RunProgress::NameLookup(lookup) => {
                    let name = lookup.name.clone();
                    if name == entry.function() {
                        self.output = output;
                        return Err(Error::Program(ProgramError {
                            kind: ProgramErrorKind::Contract,
                            message: format!(
                                "{} does not define {}: the file must define `def {}:`",
                                entry.file(),
                                entry.function(),
                                entry.signature()
                            ),
                            traceback: String::new(),
                            line: None,
                            file: entry.file().into(),
                        }));
                    }
                    let answer = if HOST_FUNCTIONS.contains(&name.as_str()) {
                        NameLookupResult::Value(MontyObject::Function {
                            name,
                            docstring: None,
                        })
                    } else {
                        NameLookupResult::Undefined
                    };
                    lookup.resume(answer, print(&mut output))
                }
                RunProgress::OsCall(os) => os.abort(
                    MontyException::new(
                        ExcType::PermissionError,
                        Some(
                            "the sandbox has no files, network, clock or environment; \
                             a gate decides from its arguments only"
                                .into(),
                        ),
                    ),
                    print(&mut output),
                ),
                RunProgress::ResolveFutures(f) => f.abort(
                    MontyException::new(
                        ExcType::NotImplementedError,
                        Some("async code is not supported in a gate".into()),
                    ),
                    print(&mut output),
                ),
            }
            .map_err(|e| Error::Program(program_error(entry, &e, lines, false)))?;
        };
        self.output = output;
        verdict(entry, value)
    }
}

fn limit_exception(message: String) -> MontyException {
    MontyException::new(ExcType::RuntimeError, Some(message))
}

fn print(o: &mut String) -> PrintWriter<'_> {
    PrintWriter::CollectString(o, Some(LIMITS.output_bytes))
}

/// The learner's return value as a [`Verdict`], or what was expected.
fn verdict(entry: Entry, value: MontyObject) -> Result<Verdict> {
    let wrong = |got: &MontyObject| {
        let mut shown = got.to_string();
        if shown.chars().count() > 60 {
            shown = format!("{}…", shown.chars().take(60).collect::<String>());
        }
        Error::Program(ProgramError {
            kind: ProgramErrorKind::Contract,
            message: format!(
                "{} returned {} {shown}; expected a bool (True/False) or a tuple (bool, reason) \
                 with the reason a str",
                entry.function(),
                type_name(got)
            ),
            traceback: String::new(),
            line: None,
            file: entry.file().into(),
        })
    };
    match &value {
        MontyObject::Bool(b) => Ok(Verdict {
            decision: *b,
            reason: None,
        }),
        MontyObject::Tuple(items) => match items.as_slice() {
            [MontyObject::Bool(b), MontyObject::String(reason)] => Ok(Verdict {
                decision: *b,
                reason: Some(reason.chars().take(500).collect()),
            }),
            _ => Err(wrong(&value)),
        },
        _ => Err(wrong(&value)),
    }
}

/// The Python type name of a value, as a learner knows it.
pub(crate) fn type_name(v: &MontyObject) -> &'static str {
    match v {
        MontyObject::None => "None",
        MontyObject::Bool(_) => "bool",
        MontyObject::Int(_) | MontyObject::BigInt(_) => "int",
        MontyObject::Float(_) => "float",
        MontyObject::String(_) => "str",
        MontyObject::List(_) => "list",
        MontyObject::Tuple(_) => "tuple",
        MontyObject::NamedTuple { .. } => "named tuple",
        MontyObject::Dict(_) => "dict",
        MontyObject::Set(_) | MontyObject::FrozenSet(_) => "set",
        MontyObject::Function { .. } | MontyObject::BuiltinFunction(_) => "function",
        _ => "object",
    }
}

/// A monty exception as a [`ProgramError`]: the traceback without the frame of the appended call
/// (lines past `lines`), the line to mark, and a plain message for the limits.
fn program_error(entry: Entry, e: &MontyException, lines: u32, parsing: bool) -> ProgramError {
    // A parse error at the end of the file (an unclosed bracket) points one line past it.
    let frames: Vec<_> = e
        .traceback()
        .iter()
        .filter(|f| parsing || f.start.line <= lines)
        .cloned()
        .collect();
    let line = frames.last().map(|f| f.start.line.clamp(1, lines.max(1)));
    let missing = format!("name '{}' is not defined", entry.function());
    if !parsing
        && e.exc_type() == ExcType::NameError
        && e.message() == Some(missing.as_str())
        && line.is_none()
    {
        return ProgramError {
            kind: ProgramErrorKind::Contract,
            message: format!(
                "{} does not define {}: the file must define `def {}:`",
                entry.file(),
                entry.function(),
                entry.signature()
            ),
            traceback: String::new(),
            line: None,
            file: entry.file().into(),
        };
    }
    let kind = match e.exc_type() {
        _ if parsing => ProgramErrorKind::Syntax,
        ExcType::TimeoutError | ExcType::MemoryError | ExcType::RecursionError => {
            ProgramErrorKind::Limit
        }
        _ => ProgramErrorKind::Exception,
    };
    let summary = e.summary();
    let message = match e.exc_type() {
        ExcType::TimeoutError if !parsing => format!(
            "{summary} — stopped: the code ran for more than {} ms in one call (an endless loop?)",
            LIMITS.time_ms
        ),
        // The print cap raises a MemoryError too, naming its own limit.
        ExcType::MemoryError if !parsing && printed_too_much(e) => format!(
            "{summary} — stopped: the code printed more than {} KB in one call",
            LIMITS.output_bytes >> 10
        ),
        ExcType::MemoryError if !parsing => format!(
            "{summary} — stopped: the code asked for more than {} MB",
            LIMITS.memory_bytes >> 20
        ),
        ExcType::RecursionError if !parsing => format!(
            "{summary} — stopped: calls nested deeper than {} (a recursion without an end?)",
            LIMITS.recursion_depth
        ),
        _ => summary,
    };
    let shown =
        MontyException::with_traceback(e.exc_type(), e.message().map(str::to_owned), frames);
    ProgramError {
        kind,
        message,
        traceback: shown.to_string(),
        line,
        file: entry.file().into(),
    }
}

/// Whether a `MemoryError` is the cap on printed output ([`Limits::output_bytes`]) rather than
/// the memory limit: monty words both as "memory limit exceeded: {used} bytes > {limit} bytes".
fn printed_too_much(e: &MontyException) -> bool {
    e.message()
        .is_some_and(|m| m.ends_with(&format!(" bytes > {} bytes", LIMITS.output_bytes)))
}

/// The three feature columns as the dict the learner's code reads.
pub fn columns_dict(c: &Columns) -> MontyObject {
    let pairs: Vec<(MontyObject, MontyObject)> = crate::data::FEATURES
        .iter()
        .zip(c.iter())
        .map(|(name, col)| (MontyObject::String((*name).to_string()), floats(col)))
        .collect();
    MontyObject::dict(pairs)
}

/// A list of floats.
pub fn floats(xs: &[f64]) -> MontyObject {
    MontyObject::List(xs.iter().map(|&x| MontyObject::Float(x)).collect())
}

/// A list of ints.
pub fn ints(xs: &[i64]) -> MontyObject {
    MontyObject::List(xs.iter().map(|&x| MontyObject::Int(x)).collect())
}

impl LearnerTrigger for Program {
    fn should_retrain(
        &mut self,
        reference: &Columns,
        live: &Columns,
        check: u64,
    ) -> Result<Verdict> {
        self.expect(Entry::Trigger)?;
        self.call(vec![columns_dict(reference), columns_dict(live)], check)
    }
}

impl LearnerGate for Program {
    fn should_promote(
        &mut self,
        y_true: &[i64],
        current_scores: &[f64],
        candidate_scores: &[f64],
        check: u64,
    ) -> Result<Verdict> {
        self.expect(Entry::Gate)?;
        self.call(
            vec![
                ints(y_true),
                floats(current_scores),
                floats(candidate_scores),
            ],
            check,
        )
    }
}

impl Program {
    fn expect(&self, want: Entry) -> Result<()> {
        if self.entry == want {
            Ok(())
        } else {
            Err(Error::invalid(
                "program",
                self.entry.file(),
                format!("expected a file defining {}", want.signature()),
            ))
        }
    }
}
