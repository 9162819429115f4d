//! The world's drift over the weeks: the [`Schedule`] of `make_data`'s drift and the [`Fault`]
//! of a broken upstream column.
//!
//! Before anything is served, the schedule says what process week `w`'s live batch comes from
//! ([`world`](super::world) draws it).

use super::params::MAX_WEEKS;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// What an upstream bug does to `spend_per_active_day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// The column arrives as 0 (a failed join filled with zeros).
    Zero,
    /// The column arrives ×100 (cents instead of currency units).
    Scale100,
}

/// How the world drifts over the weeks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Schedule {
    /// No drift.
    #[default]
    None,
    /// `days` more days since login from week `week` on.
    Step {
        /// First drifted week.
        week: usize,
        /// The shift in days.
        days: f64,
    },
    /// `days_per_week · w` more days in week `w`.
    Gradual {
        /// Shift added per week.
        days_per_week: f64,
    },
    /// `amplitude · sin(2π w / period_weeks)` days.
    Seasonal {
        /// Peak shift in days.
        amplitude: f64,
        /// Period in weeks.
        period_weeks: f64,
    },
    /// From week `week` on (up to week `until`, when the upstream fix lands, if given), an
    /// upstream bug breaks `spend_per_active_day`.
    BrokenFeature {
        /// First broken week.
        week: usize,
        /// What the bug does.
        fault: Fault,
        /// First week fixed again (`None`: never fixed); left out of the JSON when `None`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<usize>,
    },
}

impl Schedule {
    /// The schedule called `name` with its default parameters: `none`; `step` (+10 days from
    /// week 12); `gradual` (+0.5 day per week); `seasonal` (8 · sin(2π w / 52) days);
    /// `broken_feature` (spend ×100 from week 20 until the upstream fix lands in week 40).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `schedule` for any other name.
    pub fn parse(name: &str) -> Result<Schedule> {
        match name {
            "none" => Ok(Schedule::None),
            "step" => Ok(Schedule::Step {
                week: 12,
                days: 10.0,
            }),
            "gradual" => Ok(Schedule::Gradual { days_per_week: 0.5 }),
            "seasonal" => Ok(Schedule::Seasonal {
                amplitude: 8.0,
                period_weeks: 52.0,
            }),
            "broken_feature" => Ok(Schedule::BrokenFeature {
                week: 20,
                fault: Fault::Scale100,
                until: Some(40),
            }),
            _ => Err(Error::invalid(
                "schedule",
                name,
                "expected none, step, gradual, seasonal or broken_feature",
            )),
        }
    }

    /// The schedule's name.
    pub fn name(&self) -> &'static str {
        match self {
            Schedule::None => "none",
            Schedule::Step { .. } => "step",
            Schedule::Gradual { .. } => "gradual",
            Schedule::Seasonal { .. } => "seasonal",
            Schedule::BrokenFeature { .. } => "broken_feature",
        }
    }

    /// Check the schedule's numbers.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `schedule.days`, `schedule.days_per_week`,
    /// `schedule.amplitude`, `schedule.period_weeks`, `schedule.week` or `schedule.until`.
    pub fn check(&self) -> Result<()> {
        let days = |field: &'static str, v: f64, max: f64| {
            if v.is_finite() && v.abs() <= max {
                Ok(())
            } else {
                Err(Error::invalid(
                    field,
                    v,
                    format!("expected a finite number within ±{max}"),
                ))
            }
        };
        let week = |w: usize| {
            if w <= MAX_WEEKS {
                Ok(())
            } else {
                Err(Error::invalid(
                    "schedule.week",
                    w,
                    format!("expected 0..={MAX_WEEKS}"),
                ))
            }
        };
        match *self {
            Schedule::None => Ok(()),
            Schedule::Step { week: w, days: d } => {
                week(w)?;
                days("schedule.days", d, 365.0)
            }
            Schedule::Gradual { days_per_week } => {
                days("schedule.days_per_week", days_per_week, 5.0)
            }
            Schedule::Seasonal {
                amplitude,
                period_weeks,
            } => {
                days("schedule.amplitude", amplitude, 365.0)?;
                if period_weeks.is_finite() && (1.0..=520.0).contains(&period_weeks) {
                    Ok(())
                } else {
                    Err(Error::invalid(
                        "schedule.period_weeks",
                        period_weeks,
                        "expected 1..=520 weeks",
                    ))
                }
            }
            Schedule::BrokenFeature {
                week: w, until: u, ..
            } => {
                week(w)?;
                match u {
                    Some(u) if u <= w || u > MAX_WEEKS => Err(Error::invalid(
                        "schedule.until",
                        u,
                        format!(
                            "expected a week after schedule.week ({w}) and at most {MAX_WEEKS}"
                        ),
                    )),
                    _ => Ok(()),
                }
            }
        }
    }

    /// The drift of `days_since_login` in week `w`, in days.
    pub fn drift_days(&self, w: usize) -> f64 {
        match *self {
            Schedule::None | Schedule::BrokenFeature { .. } => 0.0,
            Schedule::Step { week, days } => {
                if w >= week {
                    days
                } else {
                    0.0
                }
            }
            Schedule::Gradual { days_per_week } => days_per_week * w as f64,
            Schedule::Seasonal {
                amplitude,
                period_weeks,
            } => {
                amplitude
                    * crate::libm::det_sin(2.0 * std::f64::consts::PI * w as f64 / period_weeks)
            }
        }
    }

    /// The upstream fault active in week `w`, if any.
    pub fn fault(&self, w: usize) -> Option<Fault> {
        match *self {
            Schedule::BrokenFeature { week, fault, until }
                if w >= week && until.is_none_or(|u| w < u) =>
            {
                Some(fault)
            }
            _ => None,
        }
    }
}
