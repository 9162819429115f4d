//! Scores already computed, kept for the next run that asks for the same ones.
//!
//! A model's scores on a set of rows depend only on the model's bits and the rows' feature
//! values (each row is scored alone: [`crate::gbm::GbmModel::predict_proba`]). A [`ScoreCache`]
//! keeps the scores of a model on a batch of rows under two sha256 digests, one naming the model
//! and one naming the rows, so that scores asked for again are a lookup instead of a prediction.
//! Nothing else changes: a hit returns the bits a fresh prediction would (`tests/score_cache.rs`
//! runs loops with the caches cold, warm and off and compares them byte for byte).
//!
//! The digests, and why they are sound:
//! - a model is named by the [`FitCache`](crate::fit_cache::FitCache) key of the fit that made it
//!   (a sha256 of everything [`crate::pipeline::train_book`] reads: the same key, the same model,
//!   bit for bit, which the fit cache already relies on);
//! - rows are named by [`rows_digest`]: a sha256 of their count and every feature's float64 bits,
//!   exactly what the prediction reads.
//!
//! Who asks again: the loop run a second time on the same data (the timeline panel's "Run the
//! year again", other gate thresholds or practices, exercise 5's two years, the learner's year
//! beside the built-in one). Its fits come from the fit cache, and then most of what is left is
//! scoring: each week served, and each counterfactual's candidate and live version on the
//! weeks ahead.
//!
//! Memory: [`ScoreCache::shared`] keeps at most [`SHARED_CAPACITY`] scores (4 MiB), least
//! recently used first out; the timeline panel's year (52 weeks of 1,000 rows, 4 counterfactual
//! weeks) keeps 207,000 (1.6 MiB), so a year run again is answered whole.

use crate::Result;
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// A sha256 digest naming a model or a set of rows.
pub type Digest = [u8; 32];

/// A model's scores on a batch of rows, one per row, shared by whoever asked for them.
pub type Scores = Arc<[f64]>;

/// Scores [`ScoreCache::shared`] keeps (4 MiB of `f64`).
pub const SHARED_CAPACITY: usize = 1 << 19;

/// sha256 of what a prediction reads from `rows`: their count and each feature's float64 bits.
pub fn rows_digest(rows: &[[f64; 3]]) -> Digest {
    let mut h = Sha256::new();
    h.update(b"rows");
    h.update((rows.len() as u64).to_le_bytes());
    let mut buf = Vec::with_capacity(rows.len() * 24);
    for r in rows {
        for v in r {
            buf.extend_from_slice(&v.to_bits().to_le_bytes());
        }
    }
    h.update(&buf);
    h.finalize().into()
}

#[derive(Debug)]
struct Kept {
    used: u64,
    scores: Scores,
}

#[derive(Debug, Default)]
struct Inner {
    /// (model, rows) → (last use, scores).
    map: HashMap<(Digest, Digest), Kept>,
    clock: u64,
    /// Scores held now.
    held: usize,
}

/// The scores of models on batches of rows, by (model digest, rows digest), at most `capacity`
/// scores in all (see the module doc).
#[derive(Debug)]
pub struct ScoreCache {
    capacity: usize,
    inner: Mutex<Inner>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl ScoreCache {
    /// An empty cache of at most `capacity` scores (0: every call computes).
    pub fn new(capacity: usize) -> Self {
        ScoreCache {
            capacity,
            inner: Mutex::new(Inner::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The process's cache ([`SHARED_CAPACITY`] scores), used by the loop.
    pub fn shared() -> Arc<ScoreCache> {
        static SHARED: OnceLock<Arc<ScoreCache>> = OnceLock::new();
        Arc::clone(SHARED.get_or_init(|| Arc::new(ScoreCache::new(SHARED_CAPACITY))))
    }

    /// The scores of the model named `model` on the rows named `rows`: kept ones, or
    /// `compute()`'s (which must be that model's scores on those rows), kept if they fit.
    /// A failed computation is not kept.
    ///
    /// # Errors
    /// `compute`'s.
    pub fn scores(
        &self,
        model: &Digest,
        rows: &Digest,
        compute: impl FnOnce() -> Result<Vec<f64>>,
    ) -> Result<Scores> {
        if self.capacity == 0 {
            return Ok(compute()?.into());
        }
        let key = (*model, *rows);
        {
            let mut inner = self.lock();
            inner.clock += 1;
            let now = inner.clock;
            if let Some(k) = inner.map.get_mut(&key) {
                k.used = now;
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(Arc::clone(&k.scores));
            }
        }
        // Compute outside the lock: another thread may score something else meanwhile.
        let scores: Scores = compute()?.into();
        self.misses.fetch_add(1, Ordering::Relaxed);
        if scores.len() > self.capacity {
            return Ok(scores);
        }
        let mut inner = self.lock();
        if inner.map.contains_key(&key) {
            return Ok(scores);
        }
        while inner.held + scores.len() > self.capacity {
            // Least recently used first out.
            let Some(oldest) = inner
                .map
                .iter()
                .min_by_key(|(_, k)| k.used)
                .map(|(k, _)| *k)
            else {
                break;
            };
            if let Some(k) = inner.map.remove(&oldest) {
                inner.held -= k.scores.len();
            }
        }
        inner.clock += 1;
        let now = inner.clock;
        inner.held += scores.len();
        inner.map.insert(
            key,
            Kept {
                used: now,
                scores: Arc::clone(&scores),
            },
        );
        Ok(scores)
    }

    /// Batches of scores kept now.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Scores kept now, over every batch (never more than the capacity).
    pub fn held(&self) -> usize {
        self.lock().held
    }

    /// Forget every score (the counts stay).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.map.clear();
        inner.held = 0;
    }

    /// Calls answered from the cache, and calls that computed, since the cache was made.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A thread that panicked while holding the lock left a consistent map (`held` is
        // updated beside each insert and remove).
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(b: u8) -> Digest {
        [b; 32]
    }

    #[test]
    fn a_hit_is_the_computed_scores_and_the_least_recently_used_goes_first() {
        let cache = ScoreCache::new(10);
        let calls = std::cell::Cell::new(0);
        let get = |m: u8, r: u8, n: usize| {
            cache
                .scores(&d(m), &d(r), || {
                    calls.set(calls.get() + 1);
                    Ok((0..n).map(|i| f64::from(m) + i as f64 / 10.0).collect())
                })
                .expect("scores")
        };
        let first = get(1, 1, 4);
        let again = get(1, 1, 4);
        assert_eq!(first, again);
        assert_eq!((calls.get(), cache.counts()), (1, (1, 1)));
        // Another model or other rows are other scores.
        get(2, 1, 4);
        get(1, 1, 4);
        assert_eq!(calls.get(), 2);
        // 12 scores do not fit in 10: the least recently used, (2, 1), goes first.
        get(1, 2, 4);
        assert_eq!(calls.get(), 3);
        assert_eq!((cache.len(), cache.held()), (2, 8));
        get(1, 1, 4);
        get(1, 2, 4);
        assert_eq!(calls.get(), 3);
        get(2, 1, 4);
        assert_eq!(calls.get(), 4);
        // That evicted (1, 1), the least recently used of the two left.
        get(1, 2, 4);
        assert_eq!(calls.get(), 4);
        get(1, 1, 4);
        assert_eq!(calls.get(), 5);
        assert!(cache.held() <= 10);
        // More scores than the whole capacity are returned, not kept.
        assert_eq!(get(3, 3, 11).len(), 11);
        assert!(cache.held() <= 10);
        get(3, 3, 11);
        assert_eq!(calls.get(), 7);
        // A failed computation is not kept.
        assert!(cache
            .scores(&d(4), &d(4), || Err(crate::Error::invalid("x", 1, "no")))
            .is_err());
        assert_eq!(get(4, 4, 1).len(), 1);
        // Capacity 0 keeps nothing.
        let none = ScoreCache::new(0);
        none.scores(&d(1), &d(1), || Ok(vec![0.5])).expect("scores");
        assert!(none.is_empty());
        cache.clear();
        assert_eq!((cache.len(), cache.held()), (0, 0));
    }

    #[test]
    fn the_rows_digest_reads_every_feature_bit_and_the_count() {
        let rows = [[1.0, 0.0, 3.0], [2.5, 1.0, 7.0]];
        let mut other = rows;
        other[1][2] = 7.000_000_000_000_001;
        assert_ne!(rows_digest(&rows), rows_digest(&other));
        let mut neg = rows;
        neg[0][1] = -0.0;
        assert_ne!(rows_digest(&rows), rows_digest(&neg));
        assert_ne!(rows_digest(&rows), rows_digest(&rows[..1]));
        assert_eq!(rows_digest(&rows), rows_digest(&rows.clone()));
    }
}
