//! Fits already made, kept for the next caller who asks for the same one.
//!
//! [`train_book`] is a pure function of the frame's feature values, its labels and the random
//! state: the same inputs give the same model, bit for bit, and the same held-out AUC. A
//! [`FitCache`] keeps the last few results under a sha256 of exactly those inputs, so that a fit
//! asked for again is a lookup and a copy instead of a fit. Nothing else changes: a hit returns
//! the bits a fresh fit would (`tests/fit_cache.rs` runs loops and chapters with the cache cold,
//! warm and off and compares them).
//!
//! Who asks again:
//! - the loop, run again with other gate thresholds or practices (the timeline panel's "Run the
//!   year again", exercise 5's two years, the learner's year beside the built-in one): its
//!   candidates train on the same weeks with the same random state, so every fit repeats;
//! - the walkthrough, run again with other gate parameters: its two fits depend only on the data.
//!
//! Sharing between runs: [`FitCache::shared`] is one cache per process (in the page, per worker),
//! holding the [`SHARED_CAPACITY`] most recently used fits; every loop run
//! ([`crate::orchestrator::run_with`]) and the chapter go through it, so two runs of the same
//! data in one process share their fits without being told. A 52-week run with counterfactuals
//! makes about 40 fits, so two such runs in a row share them all; a longer run evicts its oldest
//! fits first (least recently used), and then costs what it cost without the cache plus a sha256
//! of each training frame. A caller that wants its own bound, or no sharing, passes its own cache
//! to [`crate::orchestrator::run_sharing_fits`] (`FitCache::new(0)` caches nothing).
//!
//! Memory: the book's model (100 trees of depth 3, at most 15 nodes each) with its AUC takes
//! about 60 KiB, so the shared cache holds at most about 4 MiB, whatever the data's size.

use crate::data::Frame;
use crate::pipeline::{train_book, Trained};
use crate::Result;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// Fits [`FitCache::shared`] keeps.
pub const SHARED_CAPACITY: usize = 64;

/// A fit's key: the sha256 of its inputs.
pub type Key = [u8; 32];

/// The last `capacity` results of [`train_book`], by a sha256 of its inputs (see the module doc).
/// Safe to share between threads (natively the loop's counterfactual candidates are trained
/// on a second thread).
#[derive(Debug)]
pub struct FitCache {
    capacity: usize,
    /// Least recently used first.
    entries: Mutex<Vec<(Key, Trained)>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl FitCache {
    /// An empty cache of at most `capacity` fits (0: every call fits).
    pub fn new(capacity: usize) -> Self {
        FitCache {
            capacity,
            entries: Mutex::new(Vec::with_capacity(capacity)),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The process's cache ([`SHARED_CAPACITY`] fits), used by the loop and the chapter.
    pub fn shared() -> Arc<FitCache> {
        static SHARED: OnceLock<Arc<FitCache>> = OnceLock::new();
        Arc::clone(SHARED.get_or_init(|| Arc::new(FitCache::new(SHARED_CAPACITY))))
    }

    /// [`train_book`]`(df, random_state)`, from the cache when the same fit was made before.
    /// A failed fit is not kept (it fails again, as fast).
    ///
    /// # Errors
    /// As [`train_book`].
    pub fn train_book(&self, df: &Frame, random_state: u32) -> Result<Trained> {
        if self.capacity == 0 {
            return train_book(df, random_state);
        }
        Ok(self.train_book_keyed(df, random_state)?.1)
    }

    /// [`train_book`](Self::train_book), with the key the fit is kept under: a sha256 of
    /// everything the fit reads, so the same key is the same model, bit for bit (the
    /// [`ScoreCache`](crate::score_cache::ScoreCache) names models by it). The key is computed
    /// even when the cache keeps nothing.
    ///
    /// # Errors
    /// As [`train_book`].
    pub fn train_book_keyed(&self, df: &Frame, random_state: u32) -> Result<(Key, Trained)> {
        let key = key(df, random_state);
        if self.capacity == 0 {
            return Ok((key, train_book(df, random_state)?));
        }
        {
            let mut entries = self.lock();
            if let Some(i) = entries.iter().position(|(k, _)| *k == key) {
                let hit = entries.remove(i);
                let out = hit.1.clone();
                entries.push(hit);
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok((key, out));
            }
        }
        // Fit outside the lock: another thread may fit something else meanwhile.
        let trained = train_book(df, random_state)?;
        self.misses.fetch_add(1, Ordering::Relaxed);
        let mut entries = self.lock();
        if !entries.iter().any(|(k, _)| *k == key) {
            if entries.len() >= self.capacity {
                entries.remove(0);
            }
            entries.push((key, trained.clone()));
        }
        Ok((key, trained))
    }

    /// Fits kept now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no fit is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forget every fit (the counts stay).
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Calls answered from the cache, and calls that fitted, since the cache was made.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    fn lock(&self) -> MutexGuard<'_, Vec<(Key, Trained)>> {
        // A thread that panicked while holding the lock left a valid list (each change is one
        // push or remove).
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// sha256 of what [`train_book`] reads: the random state, the row count, each feature column as
/// the fit reads it (float64 bits) and the labels.
fn key(df: &Frame, random_state: u32) -> Key {
    let n = df.len();
    let mut bytes = Vec::with_capacity(16 + n * 32);
    bytes.extend_from_slice(b"train_book");
    bytes.extend_from_slice(&random_state.to_le_bytes());
    bytes.extend_from_slice(&(n as u64).to_le_bytes());
    for &v in df.spend_per_active_day() {
        bytes.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    for &v in df.is_recent() {
        bytes.extend_from_slice(&(v as f64).to_bits().to_le_bytes());
    }
    for v in df.days_since_login().to_f64() {
        bytes.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    for &v in df.labels() {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    Sha256::digest(&bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{make_data, Drift};

    #[test]
    fn a_hit_is_the_fit_and_the_least_recently_used_goes_first() {
        let frames: Vec<Frame> = (0..3)
            .map(|s| make_data(s, Drift::Float(0.0), 400).expect("data"))
            .collect();
        let cache = FitCache::new(2);
        let fresh = train_book(&frames[0], 42).expect("fit");
        let first = cache.train_book(&frames[0], 42).expect("fit");
        let again = cache.train_book(&frames[0], 42).expect("fit");
        for t in [&first, &again] {
            assert_eq!(t.model.to_json(), fresh.model.to_json());
            assert_eq!(t.auc.to_bits(), fresh.auc.to_bits());
        }
        assert_eq!(cache.counts(), (1, 1));
        // Another random state is another fit.
        let other = cache.train_book(&frames[0], 7).expect("fit");
        assert_ne!(other.model.to_json(), fresh.model.to_json());
        assert_eq!(cache.counts(), (1, 2));
        // Touch (frames[0], 42), then a third fit evicts (frames[0], 7), the least recently used.
        cache.train_book(&frames[0], 42).expect("fit");
        cache.train_book(&frames[1], 42).expect("fit");
        assert_eq!(cache.len(), 2);
        cache.train_book(&frames[0], 42).expect("fit");
        assert_eq!(cache.counts(), (3, 3));
        cache.train_book(&frames[0], 7).expect("fit");
        assert_eq!(cache.counts(), (3, 4));
        // A different label or feature value is a different key.
        let mut y = frames[2].churned().to_vec();
        y[0] = 1 - y[0];
        let flipped = Frame::new(
            frames[2].spend_per_active_day().to_vec(),
            frames[2].is_recent().to_vec(),
            frames[2].days_since_login().clone(),
            y,
        )
        .expect("frame");
        assert_ne!(key(&flipped, 42), key(&frames[2], 42));
        assert_ne!(key(&frames[1], 42), key(&frames[2], 42));
        // Capacity 0 keeps nothing.
        let none = FitCache::new(0);
        none.train_book(&frames[0], 42).expect("fit");
        assert!(none.is_empty());
        cache.clear();
        assert!(cache.is_empty());
    }
}
