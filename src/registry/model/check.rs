//! The validation of every registry record: labels, aliases, times, metrics, the model (JSON, size,
//! hash, and that it loads), evidence and events. Its place in the loop: the registry's every way
//! in (a registration, a gate's decision, an import) and out (a stored record read back) passes
//! through here, so a bad record is refused with the field it names.

use super::{
    model_hash, Cause, Change, Event, Evidence, Lineage, Metric, ModelVersion, NewVersion,
    MAX_METRICS, MAX_MODEL_BYTES, MAX_NAME, MAX_PARAMS_BYTES, MAX_TEXT,
};
use crate::{Error, Result};

fn check_text(field: &'static str, s: &str, max: usize, allow_empty: bool) -> Result<()> {
    let n = s.chars().count();
    if n > max {
        return Err(Error::invalid(
            field,
            format!("<{n} characters>"),
            format!("at most {max} characters"),
        ));
    }
    if !allow_empty && s.trim().is_empty() {
        return Err(Error::invalid(field, format!("{s:?}"), "must not be empty"));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::invalid(
            field,
            format!("{s:?}"),
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// Check a version label: 1–64 characters, no control characters, no surrounding spaces.
///
/// # Errors
/// [`Error::Invalid`] naming `label`.
pub fn check_label(label: &str) -> Result<()> {
    check_text("label", label, MAX_NAME, false)?;
    if label.trim() != label || label.contains(['\n', '\t']) {
        return Err(Error::invalid(
            "label",
            format!("{label:?}"),
            "must not have surrounding spaces or line breaks",
        ));
    }
    Ok(())
}

/// Check an alias name: `[a-z][a-z0-9_-]*`, at most 64 characters, and not `v<digits>`
/// (reserved for versions, as in MLflow).
///
/// # Errors
/// [`Error::Invalid`] naming `alias`.
pub fn check_alias(alias: &str) -> Result<()> {
    let mut chars = alias.chars();
    let ok_first = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let ok_rest =
        chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !ok_first || !ok_rest || alias.len() > MAX_NAME {
        return Err(Error::invalid(
            "alias",
            format!("{alias:?}"),
            "expected a lowercase letter then lowercase letters, digits, '_' or '-', at most 64 in all",
        ));
    }
    if alias.len() > 1 && alias.starts_with('v') && alias[1..].bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            "alias",
            format!("{alias:?}"),
            "v<number> is reserved for version numbers",
        ));
    }
    Ok(())
}

/// The latest time a record may carry, in ms since the Unix epoch: the end of a JavaScript
/// `Date`'s range (8.64e15 ms, 100,000,000 days, the year 275760), so the page can show every
/// time it stores.
pub const MAX_TIME_MS: f64 = 8.64e15;

/// A time as people read it: plain up to 1e16, in exponent form beyond (`1e308`, not 309 digits)
/// and for a fraction too small to write plainly in 24 characters (`1e-300`).
pub fn time_text(time: f64) -> String {
    if time.abs() < 1e16 {
        crate::error::num_text(time)
    } else {
        format!("{time:e}")
    }
}

/// Why `time` is not a valid time stamp, if it is not: the one range check of every time the
/// registry writes, imports or reads back (0 to [`MAX_TIME_MS`], finite).
pub fn time_problem(time: f64) -> Option<String> {
    if (0.0..=MAX_TIME_MS).contains(&time) {
        None
    } else {
        Some(format!(
            "{} is outside the valid range of times: 0 to 8.64e15 ms since 1970 \
             (a JavaScript Date's range)",
            time_text(time)
        ))
    }
}

/// Check a time stamp: finite, from 0 to [`MAX_TIME_MS`].
///
/// # Errors
/// [`Error::Invalid`] naming `time`.
pub fn check_time(time: f64) -> Result<()> {
    match time_problem(time) {
        None => Ok(()),
        Some(_) => Err(Error::invalid(
            "time",
            time_text(time),
            "expected a time in ms from 0 to 8.64e15 (a JavaScript Date's range)",
        )),
    }
}

fn check_unit(field: &'static str, v: Option<f64>) -> Result<()> {
    match v {
        Some(x) if !(0.0..=1.0).contains(&x) => {
            Err(Error::invalid(field, x, "expected a number in [0, 1]"))
        }
        _ => Ok(()),
    }
}

impl Evidence {
    /// Check every field: probabilities and AUCs in [0, 1], a finite margin, short texts.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn check(&self) -> Result<()> {
        check_unit("evidence.ks_p", self.ks_p)?;
        check_unit("evidence.ks_d", self.ks_d)?;
        check_unit("evidence.auc_current", self.auc_current)?;
        check_unit("evidence.auc_candidate", self.auc_candidate)?;
        if let Some(m) = self.margin {
            if !m.is_finite() {
                return Err(Error::invalid(
                    "evidence.margin",
                    m,
                    "expected a finite number",
                ));
            }
        }
        if let Some(d) = &self.dataset {
            check_text("evidence.dataset", d, MAX_TEXT, true)?;
        }
        if let Some(n) = &self.note {
            check_text("evidence.note", n, MAX_TEXT, true)?;
        }
        Ok(())
    }
}

impl Cause {
    /// Check the reason, the evidence and the time.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn check(&self) -> Result<()> {
        check_text("reason", &self.reason, MAX_TEXT, true)?;
        if let Some(e) = &self.evidence {
            e.check()?;
        }
        check_time(self.time)
    }
}

impl Lineage {
    /// Check lengths and the size of `params`.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn check(&self) -> Result<()> {
        check_text(
            "lineage.data_fingerprint",
            &self.data_fingerprint,
            MAX_TEXT,
            true,
        )?;
        check_text("lineage.seed", &self.seed, MAX_TEXT, true)?;
        check_text("lineage.drift", &self.drift, MAX_TEXT, true)?;
        check_text("lineage.code_version", &self.code_version, MAX_TEXT, true)?;
        check_text("lineage.build_id", &self.build_id, MAX_TEXT, true)?;
        let n = serde_json::to_string(&self.params)
            .map(|s| s.len())
            .unwrap_or(usize::MAX);
        if n > MAX_PARAMS_BYTES {
            return Err(Error::invalid(
                "lineage.params",
                format!("<{n} bytes>"),
                format!("at most {MAX_PARAMS_BYTES} bytes of JSON"),
            ));
        }
        Ok(())
    }
}

fn check_metrics(metrics: &[Metric]) -> Result<()> {
    if metrics.len() > MAX_METRICS {
        return Err(Error::invalid(
            "metrics",
            format!("<{} metrics>", metrics.len()),
            format!("at most {MAX_METRICS}"),
        ));
    }
    for m in metrics {
        check_text("metrics.name", &m.name, MAX_NAME, false)?;
        check_text("metrics.dataset", &m.dataset, MAX_TEXT, true)?;
        if !m.value.is_finite() {
            return Err(Error::invalid(
                "metrics.value",
                m.value,
                format!("metric {:?} must be finite", m.name),
            ));
        }
    }
    Ok(())
}

fn check_model(model_json: &str, model_hash_hex: &str) -> Result<()> {
    if model_json.len() > MAX_MODEL_BYTES {
        return Err(Error::invalid(
            "model_json",
            format!("<{} bytes>", model_json.len()),
            format!("at most {MAX_MODEL_BYTES} bytes"),
        ));
    }
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(model_json) {
        return Err(Error::invalid(
            "model_json",
            format!("<{} bytes>", model_json.len()),
            format!("not JSON: {e}"),
        ));
    }
    let actual = model_hash(model_json);
    if actual != model_hash_hex {
        return Err(Error::invalid(
            "model_hash",
            format!("{model_hash_hex:?}"),
            format!("does not match sha256 of model_json ({actual})"),
        ));
    }
    Ok(())
}

/// Check that `model_json` is a model the loader accepts: the one validation of a model, shared
/// by loading ([`crate::gbm::GbmModel::from_json`], which serving uses), registration and import,
/// so the registry never holds a model that cannot be served (a cycle, a NaN threshold, a child
/// index out of range are refused even with a matching hash).
///
/// # Errors
/// [`Error::Invalid`] naming `model_json` and saying what the loader refused.
pub fn check_loadable(model_json: &str) -> Result<()> {
    match crate::gbm::GbmModel::from_json(model_json) {
        Ok(_) => Ok(()),
        Err(e) => Err(Error::invalid(
            "model_json",
            format!("<{} bytes>", model_json.len()),
            format!("not a model this build can load: {e}"),
        )),
    }
}

impl NewVersion {
    /// Check the label, the model (JSON, size, hash, and that it loads), the lineage and the
    /// metrics.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn check(&self) -> Result<()> {
        check_label(&self.label)?;
        check_model(&self.model_json, &self.model_hash)?;
        check_loadable(&self.model_json)?;
        self.lineage.check()?;
        check_metrics(&self.metrics)
    }
}

impl ModelVersion {
    /// Check every field as at registration, plus the version number and time.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn check(&self) -> Result<()> {
        if self.version == 0 {
            return Err(Error::invalid("version", 0, "versions start at 1"));
        }
        check_label(&self.label)?;
        check_model(&self.model_json, &self.model_hash)?;
        self.lineage.check()?;
        check_metrics(&self.metrics)?;
        check_time(self.created_at)
    }
}

impl Event {
    /// Check the event's own fields (texts, evidence, time, alias names, labels); whether it
    /// applies to the registry's state is [`crate::registry::history::State::apply`]'s business.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn check(&self) -> Result<()> {
        check_text("reason", &self.reason, MAX_TEXT, true)?;
        if let Some(e) = &self.evidence {
            e.check()?;
        }
        check_time(self.time)?;
        match &self.change {
            Change::Register { label, .. } => check_label(label),
            Change::SetAlias { alias, .. } | Change::RemoveAlias { alias, .. } => {
                check_alias(alias)
            }
            _ => Ok(()),
        }
    }
}
