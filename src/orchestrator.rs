//! The orchestrator (in progress).
