//! chapter (to be written).
