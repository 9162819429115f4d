//! The book's DataFrame as [`make_data`](super::make_data) returns it: four typed columns, with
//! `days_since_login` int64 or float64 as the drift's type ([`Days`]); the model's view of it
//! (features, labels) and pandas' CSV of it.

use super::{py_repr, COLUMNS};
use crate::{Error, Result};

/// `days_since_login`, whose dtype follows the drift's Python type.
#[derive(Debug, Clone, PartialEq)]
pub enum Days {
    /// int64 (integer drift).
    Int(Vec<i64>),
    /// float64 (float drift).
    Float(Vec<f64>),
}

impl Days {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Days::Int(v) => v.len(),
            Days::Float(v) => v.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// numpy's dtype name.
    pub fn dtype(&self) -> &'static str {
        match self {
            Days::Int(_) => "int64",
            Days::Float(_) => "float64",
        }
    }

    /// Row `i` as float64 (what sklearn sees before its float32 cast), `None` out of range.
    pub fn get_f64(&self, i: usize) -> Option<f64> {
        match self {
            Days::Int(v) => v.get(i).map(|&d| d as f64),
            Days::Float(v) => v.get(i).copied(),
        }
    }

    /// The whole column as float64.
    pub fn to_f64(&self) -> Vec<f64> {
        match self {
            Days::Int(v) => v.iter().map(|&d| d as f64).collect(),
            Days::Float(v) => v.clone(),
        }
    }
}

/// The book's DataFrame: four typed columns of equal length (at least 1 row).
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    spend_per_active_day: Vec<f64>,
    is_recent: Vec<i64>,
    days_since_login: Days,
    churned: Vec<i64>,
}

impl Frame {
    /// A frame from its columns (in the book's order).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `rows` if the columns differ in length or are empty.
    pub fn new(
        spend_per_active_day: Vec<f64>,
        is_recent: Vec<i64>,
        days_since_login: Days,
        churned: Vec<i64>,
    ) -> Result<Frame> {
        let n = spend_per_active_day.len();
        if n == 0 || is_recent.len() != n || days_since_login.len() != n || churned.len() != n {
            return Err(Error::invalid(
                "rows",
                format!(
                    "{}/{}/{}/{}",
                    n,
                    is_recent.len(),
                    days_since_login.len(),
                    churned.len()
                ),
                "columns must be non-empty and of equal length",
            ));
        }
        Ok(Frame {
            spend_per_active_day,
            is_recent,
            days_since_login,
            churned,
        })
    }

    /// Number of rows (≥ 1).
    pub fn len(&self) -> usize {
        self.churned.len()
    }

    /// Always false: a frame has at least one row.
    pub fn is_empty(&self) -> bool {
        self.churned.is_empty()
    }

    /// `spend_per_active_day` (float64).
    pub fn spend_per_active_day(&self) -> &[f64] {
        &self.spend_per_active_day
    }

    /// `is_recent` (int64, 0 or 1).
    pub fn is_recent(&self) -> &[i64] {
        &self.is_recent
    }

    /// `days_since_login` (int64 or float64).
    pub fn days_since_login(&self) -> &Days {
        &self.days_since_login
    }

    /// `churned` (int64, 0 or 1).
    pub fn churned(&self) -> &[i64] {
        &self.churned
    }

    /// The labels `y = df.churned`.
    pub fn labels(&self) -> &[i64] {
        &self.churned
    }

    /// Row `i` of `X = df[["spend_per_active_day", "is_recent", "days_since_login"]]` as
    /// float64, or `None` if `i >= len()`.
    pub fn feature_row(&self, i: usize) -> Option<[f64; 3]> {
        let spend = *self.spend_per_active_day.get(i)?;
        let recent = *self.is_recent.get(i)? as f64;
        let days = self.days_since_login.get_f64(i)?;
        Some([spend, recent, days])
    }

    /// All rows of `X`, in [`FEATURES`](super::FEATURES) order.
    pub fn features(&self) -> Vec<[f64; 3]> {
        let days = self.days_since_login.to_f64();
        self.spend_per_active_day
            .iter()
            .zip(&self.is_recent)
            .zip(days)
            .map(|((&s, &r), d)| [s, r as f64, d])
            .collect()
    }

    /// `df.dtypes`: (column, numpy dtype) in column order.
    pub fn dtypes(&self) -> [(&'static str, &'static str); 4] {
        [
            (COLUMNS[0], "float64"),
            (COLUMNS[1], "int64"),
            (COLUMNS[2], self.days_since_login.dtype()),
            (COLUMNS[3], "int64"),
        ]
    }

    /// `df.to_csv(index=False)` as pandas writes it: header, `\n` line ends, floats as
    /// Python's `repr`.
    pub fn to_csv(&self) -> String {
        let mut out = String::with_capacity(self.len() * 48 + 64);
        out.push_str(&COLUMNS.join(","));
        out.push('\n');
        for i in 0..self.len() {
            let days = match &self.days_since_login {
                Days::Int(v) => v[i].to_string(),
                Days::Float(v) => py_repr(v[i]),
            };
            out.push_str(&py_repr(self.spend_per_active_day[i]));
            out.push(',');
            out.push_str(&self.is_recent[i].to_string());
            out.push(',');
            out.push_str(&days);
            out.push(',');
            out.push_str(&self.churned[i].to_string());
            out.push('\n');
        }
        out
    }
}
