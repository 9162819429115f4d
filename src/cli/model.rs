//! `mlops-loop train | predict | ks | chapter`: the model, drift and chapter stages of the loop
//! from the command line, for checking the book's numbers against the Python.

use std::io::Write;

use super::data::FrameArgs;
use super::Failure;
use crate::chapter::{run_chapter, train_registered, ChapterParams};
use crate::data::{make_data_from, py_repr, Drift, Frame};
use crate::gbm::GbmModel;
use crate::metrics::roc_auc;
use crate::numpy::SeedSequence;
use crate::stats::ks::{ks_2samp, KsMethod};

fn io(e: std::io::Error) -> Failure {
    Failure {
        code: 1,
        message: e.to_string(),
    }
}

fn json_out(out: &mut dyn Write, doc: &serde_json::Value) -> Result<(), Failure> {
    serde_json::to_writer(&mut *out, doc).map_err(|e| Failure {
        code: 1,
        message: e.to_string(),
    })?;
    writeln!(out).map_err(io)
}

fn bits(v: f64) -> String {
    format!("0x{:016x}", v.to_bits())
}

/// Arguments of `mlops-loop train`.
#[derive(Debug, Clone, clap::Args)]
pub struct TrainArgs {
    /// Seed, drift and rows of the training frame.
    #[command(flatten)]
    pub frame: FrameArgs,
    /// Version recorded for the model.
    #[arg(long, default_value = "1.0.0")]
    pub version: String,
    /// Print one JSON object (AUC at full precision and as bits).
    #[arg(long)]
    pub json: bool,
    /// Write the model's JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub save: Option<std::path::PathBuf>,
}

/// `train`: fit on the 75 % split, score the 25 %, print version, fingerprint, AUC, model hash.
///
/// # Errors
/// Code 2 for bad arguments or unusable data, 1 if the model file cannot be written.
pub fn run_train(args: &TrainArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let df = args.frame.frame()?;
    let reg = train_registered(&df, &args.version)?;
    if let Some(path) = &args.save {
        super::write_file(path, reg.model.to_json().as_bytes(), "the model")?;
    }
    if args.json {
        json_out(
            out,
            &serde_json::json!({
                "version": reg.version,
                "data_fingerprint": reg.data_fingerprint,
                "auc": reg.auc,
                "auc_repr": py_repr(reg.auc),
                "auc_bits": bits(reg.auc),
                "model_hash": reg.model_hash,
                "n_train": df.len() - df.len().div_ceil(4),
            }),
        )
    } else {
        writeln!(out, "version {}", reg.version).map_err(io)?;
        writeln!(out, "data {}", reg.data_fingerprint).map_err(io)?;
        writeln!(out, "auc {}", py_repr(reg.auc)).map_err(io)?;
        writeln!(out, "model_hash {}", reg.model_hash).map_err(io)
    }
}

/// Arguments of `mlops-loop predict`.
#[derive(Debug, Clone, clap::Args)]
pub struct PredictArgs {
    /// A model file written by `train --save`.
    #[arg(long, value_name = "FILE")]
    pub model: std::path::PathBuf,
    /// Seed, drift and rows of the frame to score (all rows).
    #[command(flatten)]
    pub frame: FrameArgs,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `predict`: load a model, score every row of a frame, print the AUC and the probabilities.
///
/// # Errors
/// Code 1 if the model file cannot be read; 2 if it is malformed or the arguments are bad.
pub fn run_predict(args: &PredictArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let bytes = super::read_capped(&args.model, crate::gbm::MAX_JSON_BYTES, "the model")?;
    let text = String::from_utf8(bytes).map_err(|e| crate::Error::Malformed {
        what: "model",
        reason: format!("{} is not UTF-8 text: {e}", args.model.display()),
    })?;
    let model = GbmModel::from_json(&text)?;
    let df = args.frame.frame()?;
    let proba = model.predict_proba(&df.features())?;
    let auc = roc_auc(df.labels(), &proba).ok();
    if args.json {
        json_out(
            out,
            &serde_json::json!({
                "model_hash": model.model_hash(),
                "rows": df.len(),
                "auc": auc,
                "auc_repr": auc.map(py_repr),
                "auc_bits": auc.map(bits),
                "proba": proba,
            }),
        )
    } else {
        writeln!(out, "model_hash {}", model.model_hash()).map_err(io)?;
        writeln!(out, "rows {}", df.len()).map_err(io)?;
        match auc {
            Some(a) => writeln!(out, "auc {}", py_repr(a)).map_err(io)?,
            None => writeln!(out, "auc undefined (one class only)").map_err(io)?,
        }
        for p in &proba {
            writeln!(out, "{}", py_repr(*p)).map_err(io)?;
        }
        Ok(())
    }
}

/// The column a KS test compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[clap(rename_all = "snake_case")]
pub enum Column {
    /// `days_since_login` (the book's drift test).
    DaysSinceLogin,
    /// `spend_per_active_day`.
    SpendPerActiveDay,
    /// `is_recent`.
    IsRecent,
}

/// The p-value method of `ks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MethodArg {
    /// Exact up to 10000 per sample, else asymptotic (scipy's default).
    Auto,
    /// Exact lattice-path p-value.
    Exact,
    /// Asymptotic `kstwo.sf`.
    Asymp,
}

/// Arguments of `mlops-loop ks`.
#[derive(Debug, Clone, clap::Args)]
pub struct KsArgs {
    /// Seed of sample a.
    #[arg(long, allow_hyphen_values = true)]
    pub seed_a: String,
    /// Drift of sample a (Python literal: `10` or `10.0`).
    #[arg(long, default_value = "0.0", allow_hyphen_values = true)]
    pub drift_a: String,
    /// Rows of sample a (1 to 1000000).
    #[arg(long, default_value_t = 3000, allow_hyphen_values = true)]
    pub rows_a: usize,
    /// Seed of sample b.
    #[arg(long, allow_hyphen_values = true)]
    pub seed_b: String,
    /// Drift of sample b.
    #[arg(long, default_value = "0.0", allow_hyphen_values = true)]
    pub drift_b: String,
    /// Rows of sample b (1 to 1000000).
    #[arg(long, default_value_t = 3000, allow_hyphen_values = true)]
    pub rows_b: usize,
    /// The column compared.
    #[arg(long, value_enum, default_value_t = Column::DaysSinceLogin)]
    pub column: Column,
    /// How the p-value is computed.
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    pub method: MethodArg,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

fn frame(seed: &str, drift: &str, rows: usize) -> crate::Result<Frame> {
    make_data_from(
        &SeedSequence::from_decimal(seed)?,
        Drift::parse(drift)?,
        rows,
    )
}

fn column(df: &Frame, c: Column) -> Vec<f64> {
    match c {
        Column::DaysSinceLogin => df.days_since_login().to_f64(),
        Column::SpendPerActiveDay => df.spend_per_active_day().to_vec(),
        Column::IsRecent => df.is_recent().iter().map(|&v| v as f64).collect(),
    }
}

/// `ks`: `scipy.stats.ks_2samp` of one column of two frames; prints D, p and the method.
///
/// # Errors
/// Code 2 for bad arguments.
pub fn run_ks(args: &KsArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let a = frame(&args.seed_a, &args.drift_a, args.rows_a)?;
    let b = frame(&args.seed_b, &args.drift_b, args.rows_b)?;
    let method = match args.method {
        MethodArg::Auto => KsMethod::Auto,
        MethodArg::Exact => KsMethod::Exact,
        MethodArg::Asymp => KsMethod::Asymptotic,
    };
    let r = ks_2samp(&column(&a, args.column), &column(&b, args.column), method)?;
    let method_used = match r.method_used {
        KsMethod::Exact => "exact",
        _ => "asymp",
    };
    if args.json {
        json_out(
            out,
            &serde_json::json!({
                "statistic": r.statistic,
                "statistic_repr": py_repr(r.statistic),
                "statistic_bits": bits(r.statistic),
                "pvalue": r.pvalue,
                "pvalue_repr": py_repr(r.pvalue),
                "pvalue_bits": bits(r.pvalue),
                "method": method_used,
                "statistic_location": r.statistic_location,
                "statistic_sign": r.statistic_sign,
            }),
        )
    } else {
        writeln!(out, "D {}", py_repr(r.statistic)).map_err(io)?;
        writeln!(out, "p {}", py_repr(r.pvalue)).map_err(io)?;
        writeln!(out, "method {method_used}").map_err(io)
    }
}

/// `chapter`: the book's three lines, computed.
///
/// # Errors
/// Code 1 if writing fails (the defaults cannot fail otherwise).
pub fn run_chapter_cmd(out: &mut dyn Write) -> Result<(), Failure> {
    let run = run_chapter(&ChapterParams::default())?;
    out.write_all(run.text().as_bytes()).map_err(io)
}
