//! The counterfactual candidates, trained ahead on a second thread (native builds only).
//!
//! With a counterfactual horizon, gate 1 trains a candidate in nearly every week, whatever it
//! decides (the road not taken needs its model), and that fit is almost all of the extra cost:
//! scoring a candidate on the horizon's weeks is small beside it, and the live version's scores
//! are kept from week to week ([`Run::future_auc`](super::run::Run)). The candidate of week `w`
//! depends only on the live batches and on `w` (its training weeks, its held-out week, its random
//! state), never on what the run decided, so a worker thread trains the next weeks' candidates
//! while the loop runs the current one. The loop takes week `w`'s candidate from the worker when
//! it is there (waiting if the worker is training it), or trains it itself; either way the
//! candidate is the same bits ([`train_candidate`]).
//!
//! The worker stays at most [`LOOKAHEAD`] weeks ahead of the loop, skips the weeks the loop has
//! passed, and stops when the run ends or fails. It may train a week the loop turns out not to
//! need (a canary in progress takes no decision): that costs the second core only. In WebAssembly
//! there is no worker and the loop trains every candidate itself.

use super::params::LoopParams;
use super::run::Candidate;
use super::world::{concat, random_state};
use crate::data::Frame;
use crate::fit_cache::FitCache;
use crate::pipeline::{one_class_part, Trained};
use crate::Result;
use std::ops::Range;

/// A candidate, or the clause saying why none can be trained (see [`train_candidate`]).
pub(super) type Trainee = Result<std::result::Result<Candidate, String>>;

/// The labelled weeks gate 1 of week `w` trains on, and the week that evaluates them: the
/// newest labelled week evaluates, the `train_weeks` before it train. `None` while too few
/// labelled weeks exist.
pub(super) fn window(p: &LoopParams, w: usize) -> Option<(Range<usize>, usize)> {
    let e = w.checked_sub(p.label_delay)?;
    let start = e.checked_sub(p.train_weeks)?;
    Some((start..e, e))
}

/// Train a candidate on the live batches of `weeks`, with week `w`'s random state, for gate 2 to
/// score on week `eval`; `Err(why)` (a clause for gate 1's reason) when labels of one class make
/// that impossible: in the training or held-out rows of `weeks` (no model, or no held-out AUC)
/// or in week `eval` (gate 2 would have no AUC to compare). The fit goes through `fits`.
pub(super) fn train_candidate(
    batches: &[Frame],
    p: &LoopParams,
    weeks: Range<usize>,
    eval: usize,
    w: usize,
    fits: &FitCache,
) -> Trainee {
    let train_frames: Vec<&Frame> = batches[weeks.clone()].iter().collect();
    let df = concat(&train_frames)?;
    let (first, last) = (weeks.start, weeks.end.saturating_sub(1));
    if let Some(part) = one_class_part(&df)? {
        return Ok(Err(format!(
            " — but the {part} rows of weeks {first}-{last} have labels of one class: \
             no candidate can be trained and scored on them"
        )));
    }
    let eval_labels = batches.get(eval).map(Frame::labels).unwrap_or_default();
    if eval_labels.windows(2).all(|y| y[0] == y[1]) {
        return Ok(Err(format!(
            " — but week {eval}'s labels are one class: gate 2 would have no AUC to compare"
        )));
    }
    let rs = random_state(p, w);
    let (id, Trained { model, auc }) = fits.train_book_keyed(&df, rs)?;
    Ok(Ok(Candidate {
        df,
        id,
        model,
        auc,
        random_state: rs,
        weeks,
    }))
}

/// How many weeks ahead of the loop the worker may train.
#[cfg(not(target_arch = "wasm32"))]
pub(super) const LOOKAHEAD: usize = 4;

#[cfg(not(target_arch = "wasm32"))]
pub(super) use native::Prefetch;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use super::{train_candidate, window, Trainee, LOOKAHEAD};
    use crate::data::Frame;
    use crate::fit_cache::FitCache;
    use crate::orchestrator::params::LoopParams;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex, MutexGuard};
    use std::thread::JoinHandle;
    use std::time::Duration;

    enum Slot {
        Empty,
        /// The loop took the week (its candidate, or the right to train it itself).
        Taken,
        Ready(Box<Trainee>),
    }

    struct Shared {
        /// One slot per week of the run.
        slots: Vec<Mutex<Slot>>,
        /// The loop's current week.
        week: AtomicUsize,
        stop: AtomicBool,
    }

    impl Shared {
        fn slot(&self, w: usize) -> Option<MutexGuard<'_, Slot>> {
            // A worker that panicked mid-fit leaves its slot as it was (Empty): still usable.
            self.slots
                .get(w)
                .map(|m| m.lock().unwrap_or_else(|e| e.into_inner()))
        }
    }

    /// The worker training the counterfactual candidates ahead of the loop.
    pub(in crate::orchestrator) struct Prefetch {
        shared: Arc<Shared>,
        worker: Option<JoinHandle<()>>,
        /// Slots below this week are released.
        released: usize,
    }

    impl Prefetch {
        /// Start the worker when the run trains candidates it may not register (a
        /// counterfactual horizon, with monitoring on); `None` otherwise, or when no thread can
        /// be started (the loop then trains every candidate itself).
        /// `quarantined[k]`: week `k`'s batch failed data validation (no candidate is trained
        /// on it or scored on it, so the worker skips the windows that hold one).
        pub(in crate::orchestrator) fn start(
            p: &LoopParams,
            batches: Arc<Vec<Frame>>,
            quarantined: Vec<bool>,
            fits: Arc<FitCache>,
        ) -> Option<Self> {
            if p.counterfactual_weeks == 0 || !p.practices.monitoring {
                return None;
            }
            let shared = Arc::new(Shared {
                slots: (0..p.weeks).map(|_| Mutex::new(Slot::Empty)).collect(),
                week: AtomicUsize::new(0),
                stop: AtomicBool::new(false),
            });
            let (s, p) = (Arc::clone(&shared), p.clone());
            let worker = std::thread::Builder::new()
                .name("counterfactual-candidates".into())
                .spawn(move || work(&s, &p, &batches, &quarantined, &fits))
                .ok()?;
            Some(Prefetch {
                shared,
                worker: Some(worker),
                released: 0,
            })
        }

        /// The loop is at week `w`: release the candidates of the weeks it passed, and let the
        /// worker move on.
        pub(in crate::orchestrator) fn advance(&mut self, w: usize) {
            self.shared.week.store(w, Ordering::Release);
            while self.released < w {
                // The worker may be finishing a passed week: release that one next time.
                let Some(m) = self.shared.slots.get(self.released) else {
                    break;
                };
                match m.try_lock() {
                    Ok(mut slot) => *slot = Slot::Taken,
                    Err(std::sync::TryLockError::Poisoned(e)) => *e.into_inner() = Slot::Taken,
                    Err(std::sync::TryLockError::WouldBlock) => break,
                }
                self.released += 1;
            }
            if let Some(t) = &self.worker {
                t.thread().unpark();
            }
        }

        /// Week `w`'s candidate if the worker trained it (waiting while it does); `None` when
        /// the loop must train it itself (the worker then leaves that week alone).
        pub(in crate::orchestrator) fn take(&self, w: usize) -> Option<Trainee> {
            let mut slot = self.shared.slot(w)?;
            match std::mem::replace(&mut *slot, Slot::Taken) {
                Slot::Ready(t) => Some(*t),
                Slot::Empty | Slot::Taken => None,
            }
        }
    }

    impl Drop for Prefetch {
        fn drop(&mut self) {
            self.shared.stop.store(true, Ordering::Release);
            if let Some(t) = self.worker.take() {
                t.thread().unpark();
                // A panic in the worker only cost its candidates, which the loop trained.
                let _ = t.join();
            }
        }
    }

    /// The worker: train each week's candidate, in week order, from the loop's week up to
    /// [`LOOKAHEAD`] weeks ahead of it.
    fn work(s: &Shared, p: &LoopParams, batches: &[Frame], quarantined: &[bool], fits: &FitCache) {
        let mut w = 0usize;
        while w < p.weeks && !s.stop.load(Ordering::Acquire) {
            let now = s.week.load(Ordering::Acquire);
            w = w.max(now);
            if w > now + LOOKAHEAD {
                std::thread::park_timeout(Duration::from_millis(20));
                continue;
            }
            let usable = |weeks: &std::ops::Range<usize>, eval: usize| {
                !quarantined
                    .get(weeks.start..=eval)
                    .is_some_and(|q| q.contains(&true))
            };
            if let (Some((weeks, eval)), Some(mut slot)) = (window(p, w), s.slot(w)) {
                if matches!(*slot, Slot::Empty) && usable(&weeks, eval) {
                    *slot =
                        Slot::Ready(Box::new(train_candidate(batches, p, weeks, eval, w, fits)));
                }
            }
            w += 1;
        }
    }
}

/// WebAssembly: no worker; the loop trains every candidate itself.
#[cfg(target_arch = "wasm32")]
pub(super) struct Prefetch;

#[cfg(target_arch = "wasm32")]
impl Prefetch {
    pub(super) fn start(
        _: &LoopParams,
        _: std::sync::Arc<Vec<Frame>>,
        _: Vec<bool>,
        _: std::sync::Arc<FitCache>,
    ) -> Option<Self> {
        None
    }
    pub(super) fn advance(&mut self, _: usize) {}
    pub(super) fn take(&self, _: usize) -> Option<Trainee> {
        None
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::orchestrator::world::live_batch;
    use std::sync::Arc;

    #[test]
    fn the_worker_trains_the_same_candidates_as_the_loop_would() {
        let p = LoopParams::builder()
            .weeks(12)
            .rows_per_week(300)
            .counterfactual_weeks(2)
            .build()
            .expect("params");
        let batches: Arc<Vec<Frame>> = Arc::new(
            (0..p.weeks + p.counterfactual_weeks)
                .map(|w| live_batch(p.seed, &p.schedule, p.rows_per_week, w))
                .collect::<Result<Vec<_>>>()
                .expect("batches"),
        );
        let clean = vec![false; batches.len()];
        // The worker keeps its fits; the loop's side fits afresh (capacity 0), so every week
        // compares two fits.
        let kept = Arc::new(FitCache::new(8));
        let fresh = FitCache::new(0);
        let mut f = Prefetch::start(&p, Arc::clone(&batches), clean.clone(), Arc::clone(&kept))
            .expect("a worker starts");
        let mut from_worker = 0;
        for w in 0..p.weeks {
            f.advance(w);
            // Give the worker time to reach the week (it may also be late: then the loop trains).
            std::thread::sleep(std::time::Duration::from_millis(30));
            let Some((weeks, eval)) = window(&p, w) else {
                assert!(f.take(w).is_none(), "week {w} has no window");
                continue;
            };
            let direct = train_candidate(&batches, &p, weeks, eval, w, &fresh)
                .expect("train")
                .expect("two classes");
            if let Some(t) = f.take(w) {
                from_worker += 1;
                let c = t.expect("train").expect("two classes");
                assert_eq!(c.model.to_json(), direct.model.to_json(), "week {w}");
                assert_eq!(c.auc.to_bits(), direct.auc.to_bits(), "week {w}");
                assert_eq!(c.weeks, direct.weeks, "week {w}");
                assert_eq!(c.random_state, direct.random_state, "week {w}");
            }
            // Taken once: the worker leaves the week alone afterwards.
            assert!(f.take(w).is_none(), "week {w} taken twice");
        }
        assert!(from_worker > 0, "the worker trained some candidates ahead");
        assert_eq!(fresh.counts().0, 0, "the loop's side fitted every week");
        // The run without a horizon starts no worker.
        let p0 = LoopParams::builder().weeks(12).build().expect("params");
        assert!(Prefetch::start(&p0, batches, clean, kept).is_none());
    }
}
