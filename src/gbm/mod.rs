//! Gradient boosting (to be written).
