//! The host functions a learner's gate may call: the crate's own exact implementations of the
//! book's library functions, and a seeded bootstrap resampler.

use super::type_name;
use crate::metrics::roc_auc;
use crate::stats::ks::{ks_2samp, KsMethod};
use monty_types::{ExcType, ExtFunctionResult, MontyException, MontyObject};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// The names a learner's code can call without defining them.
pub const HOST_FUNCTIONS: [&str; 3] = ["ks_2samp", "roc_auc_score", "resample"];

/// What a host call needs besides its arguments.
pub(super) struct Context<'a> {
    /// The run's seed.
    pub seed: u128,
    /// The check (trial, round, week) being decided.
    pub check: u64,
    /// `resample` calls so far in this check.
    pub resample: &'a mut u64,
}

fn error(kind: ExcType, message: String) -> ExtFunctionResult {
    ExtFunctionResult::Error(MontyException::new(kind, Some(message)))
}

/// Call host function `name`.
pub(super) fn call(
    name: &str,
    args: &[MontyObject],
    kwargs: &[(MontyObject, MontyObject)],
    ctx: Context<'_>,
) -> ExtFunctionResult {
    if !kwargs.is_empty() {
        return error(
            ExcType::TypeError,
            format!("{name}() takes positional arguments only here"),
        );
    }
    let r = match name {
        "ks_2samp" => ks(args),
        "roc_auc_score" => auc(args),
        "resample" => resample(args, ctx),
        _ => Err((ExcType::NameError, format!("name '{name}' is not defined"))),
    };
    match r {
        Ok(v) => ExtFunctionResult::Return(v),
        Err((kind, message)) => error(kind, message),
    }
}

type HostResult = Result<MontyObject, (ExcType, String)>;

fn arity(
    name: &str,
    args: &[MontyObject],
    want: usize,
    sig: &str,
) -> Result<(), (ExcType, String)> {
    if args.len() == want {
        Ok(())
    } else {
        Err((
            ExcType::TypeError,
            format!(
                "{name}() takes {want} arguments ({sig}), {} given",
                args.len()
            ),
        ))
    }
}

fn items<'a>(what: &str, v: &'a MontyObject) -> Result<&'a [MontyObject], (ExcType, String)> {
    match v {
        MontyObject::List(xs) | MontyObject::Tuple(xs) => Ok(xs),
        other => Err((
            ExcType::TypeError,
            format!("{what} must be a list of numbers, not {}", type_name(other)),
        )),
    }
}

/// A list of numbers (float, int or bool) as f64. (A loop into a vector of the list's length: a
/// grading run converts two 3,000-item columns per `ks_2samp` call, and a collected `Result`
/// would grow its vector from nothing.)
fn numbers(what: &str, v: &MontyObject) -> Result<Vec<f64>, (ExcType, String)> {
    let xs = items(what, v)?;
    let mut out = Vec::with_capacity(xs.len());
    for (i, x) in xs.iter().enumerate() {
        out.push(match x {
            MontyObject::Float(f) => *f,
            MontyObject::Int(n) => *n as f64,
            MontyObject::Bool(b) => f64::from(u8::from(*b)),
            other => {
                return Err((
                    ExcType::TypeError,
                    format!(
                        "{what} must hold numbers; item {i} is {} {}",
                        type_name(other),
                        other
                    ),
                ))
            }
        });
    }
    Ok(out)
}

/// A list of integer labels (int, bool or an integral float) as i64.
fn labels(what: &str, v: &MontyObject) -> Result<Vec<i64>, (ExcType, String)> {
    items(what, v)?
        .iter()
        .enumerate()
        .map(|(i, x)| match x {
            MontyObject::Int(n) => Ok(*n),
            MontyObject::Bool(b) => Ok(i64::from(*b)),
            MontyObject::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Ok(*f as i64),
            other => Err((
                ExcType::ValueError,
                format!(
                    "{what} must hold labels 0/1; item {i} is {} {}",
                    type_name(other),
                    other
                ),
            )),
        })
        .collect()
}

/// `scipy.stats.ks_2samp(a, b)`: a named tuple like scipy's `KstestResult`.
fn ks(args: &[MontyObject]) -> HostResult {
    arity("ks_2samp", args, 2, "a, b")?;
    let a = numbers("ks_2samp: a", &args[0])?;
    let b = numbers("ks_2samp: b", &args[1])?;
    let r = ks_2samp(&a, &b, KsMethod::Auto).map_err(|e| (ExcType::ValueError, e.to_string()))?;
    Ok(MontyObject::NamedTuple {
        type_name: "KstestResult".into(),
        field_names: [
            "statistic",
            "pvalue",
            "statistic_location",
            "statistic_sign",
        ]
        .map(String::from)
        .to_vec(),
        values: vec![
            MontyObject::Float(r.statistic),
            MontyObject::Float(r.pvalue),
            MontyObject::Float(r.statistic_location),
            MontyObject::Int(i64::from(r.statistic_sign)),
        ],
    })
}

/// `sklearn.metrics.roc_auc_score(y_true, y_score)`.
fn auc(args: &[MontyObject]) -> HostResult {
    arity("roc_auc_score", args, 2, "y_true, y_score")?;
    let y = labels("roc_auc_score: y_true", &args[0])?;
    let s = numbers("roc_auc_score: y_score", &args[1])?;
    roc_auc(&y, &s)
        .map(MontyObject::Float)
        .map_err(|e| (ExcType::ValueError, e.to_string()))
}

/// Most rows `resample` draws per call.
const MAX_RESAMPLE_ROWS: usize = 1_000_000;

/// `resample(xs, ys, ...)`: draw `n` row numbers uniformly with replacement from `range(n)` (`n`
/// the lists' common length) and return every list at those rows: one list for one argument, a
/// tuple of lists for several (the same rows in each, as a paired bootstrap needs). The generator
/// is ChaCha8 seeded from (run seed, check, call number in the check).
fn resample(args: &[MontyObject], ctx: Context<'_>) -> HostResult {
    if args.is_empty() {
        return Err((
            ExcType::TypeError,
            "resample() needs at least one list".into(),
        ));
    }
    let lists: Vec<&[MontyObject]> = args
        .iter()
        .enumerate()
        .map(|(i, a)| items(&format!("resample: argument {}", i + 1), a))
        .collect::<Result<_, _>>()?;
    let n = lists[0].len();
    if let Some((i, l)) = lists.iter().enumerate().find(|(_, l)| l.len() != n) {
        return Err((
            ExcType::ValueError,
            format!(
                "resample: every list must have the same length; argument 1 has {n}, argument {} has {}",
                i + 1,
                l.len()
            ),
        ));
    }
    if n.saturating_mul(lists.len()) > MAX_RESAMPLE_ROWS {
        return Err((
            ExcType::MemoryError,
            format!("resample: more than {MAX_RESAMPLE_ROWS} values in one call"),
        ));
    }
    let call = *ctx.resample;
    *ctx.resample += 1;
    let mut seed = [0u8; 32];
    seed[..16].copy_from_slice(&ctx.seed.to_le_bytes());
    seed[16..24].copy_from_slice(&ctx.check.to_le_bytes());
    seed[24..].copy_from_slice(&call.to_le_bytes());
    let mut rng = ChaCha8Rng::from_seed(seed);
    let rows: Vec<usize> = (0..n).map(|_| below(&mut rng, n)).collect();
    let mut out: Vec<MontyObject> = lists
        .iter()
        .map(|l| MontyObject::List(rows.iter().map(|&r| l[r].clone()).collect()))
        .collect();
    Ok(if out.len() == 1 {
        out.swap_remove(0)
    } else {
        MontyObject::Tuple(out)
    })
}

/// A uniform integer in `0..n` (`n > 0`) without modulo bias: Lemire's multiply-shift with
/// rejection (Lemire 2019, "Fast random integer generation in an interval").
pub(crate) fn below(rng: &mut impl RngCore, n: usize) -> usize {
    let n = n as u64;
    let threshold = n.wrapping_neg() % n;
    loop {
        let m = u128::from(rng.next_u64()) * u128::from(n);
        if (m as u64) >= threshold {
            return (m >> 64) as usize;
        }
    }
}
