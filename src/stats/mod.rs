//! Statistical tests (to be written).
