//! What the service answers: a typed scoring request checked against the features' accepted
//! ranges, the response naming the version that answered and whether stable or canary did, and a
//! model loaded for serving with its registry identity.

use crate::gbm::GbmModel;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Accepted range of `spend_per_active_day` (currency per active day; the book's draws are
/// exponential with mean 5, a broken upstream feed may scale them ×100).
pub const SPEND_RANGE: (f64, f64) = (0.0, 1.0e6);
/// Accepted range of `days_since_login` (the book's draws are 0..89 plus a drift, which may be
/// negative in a seasonal schedule).
pub const DAYS_RANGE: (f64, f64) = (-3650.0, 36500.0);

/// One scoring request: a customer's three features, in the model's order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChurnRequest {
    /// Caller's id of the request; routing to stable or canary is a function of it.
    pub request_id: u64,
    /// Spend per active day, in [`SPEND_RANGE`].
    pub spend_per_active_day: f64,
    /// 1 if the customer logged in within 30 days, else 0.
    pub is_recent: i64,
    /// Days since the last login, in [`DAYS_RANGE`].
    pub days_since_login: f64,
}

impl ChurnRequest {
    /// The request's feature row after validation.
    ///
    /// ```
    /// use mlops_loop::serving::ChurnRequest;
    /// let r = ChurnRequest { request_id: 1, spend_per_active_day: 4.0, is_recent: 2,
    ///                        days_since_login: 12.0 };
    /// assert!(r.validate().unwrap_err().to_string().contains("is_recent"));
    /// ```
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the first field outside its range (NaN and infinities included).
    pub fn validate(&self) -> Result<[f64; 3]> {
        let in_range = |field: &'static str, v: f64, (lo, hi): (f64, f64)| {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(v)
            } else {
                Err(Error::invalid(
                    field,
                    v,
                    format!("expected a finite number in [{lo}, {hi}]"),
                ))
            }
        };
        let spend = in_range(
            "spend_per_active_day",
            self.spend_per_active_day,
            SPEND_RANGE,
        )?;
        if self.is_recent != 0 && self.is_recent != 1 {
            return Err(Error::invalid(
                "is_recent",
                self.is_recent,
                "expected 0 or 1",
            ));
        }
        let days = in_range("days_since_login", self.days_since_login, DAYS_RANGE)?;
        Ok([spend, self.is_recent as f64, days])
    }
}

/// Which deployment answered a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServedBy {
    /// The production (stable) version.
    Stable,
    /// The canary version under rollout.
    Canary,
}

/// The answer to a [`ChurnRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnResponse {
    /// The request's id, echoed.
    pub request_id: u64,
    /// Predicted probability that the customer churns.
    pub churn_probability: f64,
    /// Registry version number of the model that answered.
    pub model_version: u32,
    /// That version's label (`1.1.0`).
    pub model_label: String,
    /// Stable or canary.
    pub served_by: ServedBy,
}

/// A model loaded for serving, with its registry identity.
#[derive(Debug, Clone)]
pub struct Deployed {
    /// Registry version number.
    pub version: u32,
    /// Registry label.
    pub label: String,
    /// The fitted model.
    pub model: GbmModel,
}
