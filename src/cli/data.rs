//! `mlops-loop data` and `mlops-loop fingerprint`: the loop's first stage from the command line,
//! for checking the book's frames and fingerprints against the Python.

use super::Failure;
use crate::data::{make_data_from, Days, Drift, Frame, DEFAULT_ROWS};
use crate::fingerprint::fingerprint;
use crate::numpy::SeedSequence;
use std::io::Write;

/// Output format of `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// pandas `df.to_csv(index=False)`, byte for byte.
    Csv,
    /// `{"columns", "dtypes", "fingerprint", ...}`.
    Json,
}

/// The frame's inputs, shared by `data` and `fingerprint`.
#[derive(Debug, Clone, clap::Args)]
pub struct FrameArgs {
    /// `np.random.default_rng(seed)`: a non-negative integer of any size.
    #[arg(long, allow_hyphen_values = true)]
    pub seed: String,
    /// Added to `days_since_login`, as a Python literal: `10` (int: the column stays int64) or
    /// `10.0` (float: the column becomes float64). Negative values are fine (`--drift -3`).
    #[arg(long, default_value = "0.0", allow_hyphen_values = true)]
    pub drift: String,
    /// Number of rows (1 to 1000000).
    #[arg(long, default_value_t = DEFAULT_ROWS, allow_hyphen_values = true)]
    pub rows: usize,
}

/// Arguments of `mlops-loop data`.
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// Seed, drift and rows.
    #[command(flatten)]
    pub frame: FrameArgs,
    /// csv (as pandas writes it) or json.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
}

impl FrameArgs {
    /// Validate the arguments and draw the frame.
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] naming `seed`, `drift` or `rows` and the value.
    pub fn frame(&self) -> crate::Result<Frame> {
        let ss = SeedSequence::from_decimal(&self.seed)?;
        let drift = Drift::parse(&self.drift)?;
        make_data_from(&ss, drift, self.rows)
    }
}

fn io(e: std::io::Error) -> Failure {
    Failure {
        code: 1,
        message: e.to_string(),
    }
}

/// `mlops-loop data`: print the frame.
///
/// # Errors
/// A [`Failure`] with code 2 for bad input, 1 for a write error.
pub fn run_data(args: &DataArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let df = args.frame.frame()?;
    match args.format {
        Format::Csv => out.write_all(df.to_csv().as_bytes()).map_err(io)?,
        Format::Json => {
            let fp = fingerprint(&df);
            let mut columns = serde_json::Map::new();
            columns.insert(
                "spend_per_active_day".into(),
                serde_json::json!(df.spend_per_active_day()),
            );
            columns.insert("is_recent".into(), serde_json::json!(df.is_recent()));
            columns.insert(
                "days_since_login".into(),
                match df.days_since_login() {
                    Days::Int(v) => serde_json::json!(v),
                    Days::Float(v) => serde_json::json!(v),
                },
            );
            columns.insert("churned".into(), serde_json::json!(df.churned()));
            let dtypes: serde_json::Map<String, serde_json::Value> = df
                .dtypes()
                .iter()
                .map(|(c, t)| ((*c).to_string(), serde_json::json!(t)))
                .collect();
            let doc = serde_json::json!({
                "seed": args.frame.seed.trim(),
                "drift": Drift::parse(&args.frame.drift)?.to_string(),
                "rows": df.len(),
                "columns": columns,
                "dtypes": dtypes,
                "fingerprint": fp.short,
                "fingerprint_full": fp.full,
            });
            serde_json::to_writer(&mut *out, &doc).map_err(|e| Failure {
                code: 1,
                message: e.to_string(),
            })?;
            writeln!(out).map_err(io)?;
        }
    }
    Ok(())
}

/// `mlops-loop fingerprint`: print the 12-hex fingerprint only.
///
/// # Errors
/// A [`Failure`] with code 2 for bad input, 1 for a write error.
pub fn run_fingerprint(args: &FrameArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let df = args.frame()?;
    writeln!(out, "{}", fingerprint(&df).short).map_err(io)
}
