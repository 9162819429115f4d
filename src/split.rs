//! split (to be written).
