//! glibc-compatible `exp`, `log`, `log1p`.
//!
//! Placeholder: forwards to std (which is glibc natively on Linux, but not on wasm32).
/// `exp(x)` as glibc computes it.
pub fn exp(x: f64) -> f64 {
    x.exp()
}
/// `log(x)` as glibc computes it.
pub fn log(x: f64) -> f64 {
    x.ln()
}
/// `log1p(x)` as glibc computes it.
pub fn log1p(x: f64) -> f64 {
    x.ln_1p()
}
