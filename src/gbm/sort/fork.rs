//! Natively, a large sort's two sides on two threads.
//!
//! After a 3-way partition, sklearn's introsort sorts the left part (recursion) and then the
//! right part (loop), each on its own range of the keys, of `sorted` / `ties` or `cum`, with
//! nothing shared between them but the depth budget, passed by value, and the scratch buffers,
//! whose contents one side never reads from the other (`partition3_*`'s lists are filled before
//! they are read; the sparse-ties sort's held subarray and slot map `pos` are set up by the run
//! that reads them). So the left part can be sorted on a second thread with a scratch of its
//! own while this thread sorts the right part: each side makes the same comparisons and moves
//! as on one thread, so the keys end in the same order.
//!
//! The second thread is started once per [`Fork`] (one per fit's workspace) and sleeps between
//! sorts. A sort hands it the left side and sorts the right side here; if the helper has not
//! picked the left side up by then (the other core busy), this thread takes it back and sorts
//! it too, as on one thread, so a busy machine costs a lock and a wake-up, not a wait.

use super::SortScratch;

/// A partition's sides go to two threads only when the smaller holds at least a third of the
/// keys; a more lopsided partition is passed by (its larger side may split more evenly), since
/// the second thread saves at most the smaller side's time.
const BALANCE: usize = 3;

/// A sort's second thread: it takes the left side of the first partition (of a sort of at
/// least `2 · min` keys) whose two sides both need sorting and hold at least `min` keys, the
/// smaller at least a third of the two ([`BALANCE`]).
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
pub(crate) struct Fork {
    min: usize,
    /// Keep every sort on this thread (the second core is busy with the tree's other work).
    pub(super) paused: bool,
    /// Left sides handed over.
    given: usize,
    /// Tests: wait until the second thread has taken each left side before sorting the right
    /// side here (so that it sorts every one).
    #[cfg(test)]
    pub(super) wait_taken: bool,
    #[cfg(not(target_arch = "wasm32"))]
    helper: Option<native::Helper>,
}

impl std::fmt::Debug for Fork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fork")
            .field("min", &self.min)
            .field("paused", &self.paused)
            .field("given", &self.given)
            .finish()
    }
}

#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
impl Fork {
    pub(super) fn new(min: usize) -> Self {
        Fork {
            min,
            paused: false,
            given: 0,
            #[cfg(test)]
            wait_taken: false,
            #[cfg(not(target_arch = "wasm32"))]
            helper: None,
        }
    }

    /// The smallest side the second thread takes.
    #[inline]
    pub(super) fn min(&self) -> usize {
        self.min
    }

    /// Whether two sides of `l` and `r` keys are worth the second thread.
    #[inline]
    pub(super) fn worth(&self, l: usize, r: usize) -> bool {
        let m = l.min(r);
        m >= self.min && m.saturating_mul(BALANCE) >= l + r
    }

    /// Tests: left sides handed over, and of those the ones the second thread sorted.
    #[cfg(test)]
    pub(super) fn counts(&self) -> (usize, usize) {
        #[cfg(not(target_arch = "wasm32"))]
        let ran = self.helper.as_ref().map_or(0, |h| h.ran());
        #[cfg(target_arch = "wasm32")]
        let ran = 0;
        (self.given, ran)
    }

    /// Tests: the second thread's sparse-ties path counts since the last call.
    #[cfg(test)]
    pub(super) fn take_paths(&self) -> super::SparsePaths {
        #[cfg(not(target_arch = "wasm32"))]
        return self
            .helper
            .as_ref()
            .map_or_else(Default::default, |h| h.take_paths());
        #[cfg(target_arch = "wasm32")]
        Default::default()
    }

    /// `left` (the left side, `n_left` keys) on the second thread and `right` here with
    /// `scratch`; `left` here too, after `right`, if the second thread has not started it.
    #[cfg(not(target_arch = "wasm32"))]
    pub(super) fn run<L, R>(&mut self, n_left: usize, scratch: &mut SortScratch, left: L, right: R)
    where
        L: FnOnce(&mut SortScratch) + Send,
        R: FnOnce(&mut SortScratch),
    {
        self.given += 1;
        let helper = self.helper.get_or_insert_with(native::Helper::start);
        let mut job = Some(move |s: &mut SortScratch| {
            s.reserve(n_left);
            left(s);
        });
        // SAFETY: `job` outlives the hand-over: `Posted::finish` (run below, or by its drop
        // if `right` unwinds) returns only once the second thread has either finished `job`
        // or will never see it.
        let posted = unsafe { helper.post(&mut job) };
        #[cfg(test)]
        if self.wait_taken {
            posted.wait_taken();
        }
        right(scratch);
        if posted.finish() {
            if let Some(f) = job.take() {
                f(scratch);
            }
        }
    }

    /// WebAssembly has no second thread (and no fork is set there): one side after the other.
    #[cfg(target_arch = "wasm32")]
    pub(super) fn run<L, R>(&mut self, _n_left: usize, scratch: &mut SortScratch, left: L, right: R)
    where
        L: FnOnce(&mut SortScratch) + Send,
        R: FnOnce(&mut SortScratch),
    {
        self.given += 1;
        right(scratch);
        left(scratch);
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use super::SortScratch;
    use std::any::Any;
    use std::sync::{Arc, Condvar, Mutex, MutexGuard};
    use std::thread::JoinHandle;

    /// A job on the posting thread's stack: `call(data, scratch)` runs it once.
    struct RawJob {
        data: *mut (),
        call: unsafe fn(*mut (), &mut SortScratch),
    }

    // SAFETY: the job's closure is `Send` (`Fork::run`'s bound), and the posting thread does
    // not touch it between posting and the job's end (see `Posted`).
    unsafe impl Send for RawJob {}

    /// Where a posted job is: `Idle` (none), `Posted` (the second thread may take it, or this
    /// one take it back), `Taken` (the second thread runs it), `Done` (until collected).
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum State {
        Idle,
        Posted,
        Taken,
        Done,
    }

    struct Inner {
        state: State,
        job: Option<RawJob>,
        quit: bool,
        /// Jobs the second thread ran.
        ran: usize,
        panic: Option<Box<dyn Any + Send>>,
        #[cfg(test)]
        paths: crate::gbm::sort::SparsePaths,
    }

    struct Shared {
        m: Mutex<Inner>,
        cv: Condvar,
    }

    impl Shared {
        fn lock(&self) -> MutexGuard<'_, Inner> {
            self.m.lock().unwrap_or_else(|e| e.into_inner())
        }
    }

    /// The second thread, asleep until a job is posted; it ends when dropped.
    pub(super) struct Helper {
        shared: Arc<Shared>,
        thread: Option<JoinHandle<()>>,
    }

    impl Helper {
        pub(super) fn start() -> Self {
            let shared = Arc::new(Shared {
                m: Mutex::new(Inner {
                    state: State::Idle,
                    job: None,
                    quit: false,
                    ran: 0,
                    panic: None,
                    #[cfg(test)]
                    paths: Default::default(),
                }),
                cv: Condvar::new(),
            });
            let sh = Arc::clone(&shared);
            let thread = std::thread::Builder::new()
                .name("gbm-sort".into())
                .spawn(move || work(&sh))
                .ok();
            Helper { shared, thread }
        }

        #[cfg(test)]
        pub(super) fn ran(&self) -> usize {
            self.shared.lock().ran
        }

        #[cfg(test)]
        pub(super) fn take_paths(&self) -> crate::gbm::sort::SparsePaths {
            std::mem::take(&mut self.shared.lock().paths)
        }

        /// Offer `job` to the second thread (if it could not be started, the job stays here).
        ///
        /// # Safety
        /// `job` must stay in place until the returned [`Posted`] is finished or dropped.
        pub(super) unsafe fn post<F: FnOnce(&mut SortScratch) + Send>(
            &self,
            job: &mut Option<F>,
        ) -> Posted<'_> {
            /// Runs the job at `data` (an `Option<F>`) once.
            unsafe fn call<F: FnOnce(&mut SortScratch)>(data: *mut (), s: &mut SortScratch) {
                // SAFETY: `data` is the `&mut Option<F>` given to `post`, alive and not used
                // by the posting thread while this thread holds the job.
                let job = unsafe { &mut *data.cast::<Option<F>>() };
                if let Some(f) = job.take() {
                    f(s);
                }
            }
            if self.thread.is_some() {
                let mut g = self.shared.lock();
                debug_assert_eq!(g.state, State::Idle);
                g.job = Some(RawJob {
                    data: (job as *mut Option<F>).cast(),
                    call: call::<F>,
                });
                g.state = State::Posted;
                drop(g);
                self.shared.cv.notify_all();
            }
            Posted {
                shared: &self.shared,
                done: false,
            }
        }
    }

    impl Drop for Helper {
        fn drop(&mut self) {
            self.shared.lock().quit = true;
            self.shared.cv.notify_all();
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }

    /// A posted job not yet known to be finished or taken back.
    pub(super) struct Posted<'a> {
        shared: &'a Shared,
        done: bool,
    }

    impl Posted<'_> {
        /// Tests: wait until the second thread has taken the job.
        #[cfg(test)]
        pub(super) fn wait_taken(&self) {
            let mut g = self.shared.lock();
            while g.state == State::Posted {
                g = self.shared.cv.wait(g).unwrap_or_else(|e| e.into_inner());
            }
        }

        /// Take the job back if the second thread has not started it (`true`: the caller
        /// runs it), else wait until it is done (`false`), passing its panic on.
        pub(super) fn finish(mut self) -> bool {
            let (back, panic) = self.settle();
            if let Some(p) = panic {
                std::panic::resume_unwind(p);
            }
            back
        }

        fn settle(&mut self) -> (bool, Option<Box<dyn Any + Send>>) {
            self.done = true;
            let mut g = self.shared.lock();
            loop {
                match g.state {
                    State::Idle => return (true, None),
                    State::Posted => {
                        g.job = None;
                        g.state = State::Idle;
                        return (true, None);
                    }
                    State::Taken => g = self.shared.cv.wait(g).unwrap_or_else(|e| e.into_inner()),
                    State::Done => {
                        g.state = State::Idle;
                        return (false, g.panic.take());
                    }
                }
            }
        }
    }

    impl Drop for Posted<'_> {
        fn drop(&mut self) {
            if !self.done {
                // Unwinding from the right side: the job's borrows must end first.
                let _ = self.settle();
            }
        }
    }

    /// The second thread: run each posted job with its own scratch.
    fn work(sh: &Shared) {
        let mut scratch = SortScratch::default();
        let mut g = sh.lock();
        loop {
            if g.state == State::Posted {
                let job = g.job.take();
                g.state = State::Taken;
                drop(g);
                #[cfg(test)]
                sh.cv.notify_all();
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    if let Some(j) = job {
                        // SAFETY: see `Helper::post`.
                        unsafe { (j.call)(j.data, &mut scratch) }
                    }
                }));
                g = sh.lock();
                g.state = State::Done;
                g.ran += 1;
                g.panic = r.err();
                #[cfg(test)]
                g.paths.add(std::mem::take(&mut scratch.sparse_paths));
                sh.cv.notify_all();
                continue;
            }
            if g.quit {
                return;
            }
            g = sh.cv.wait(g).unwrap_or_else(|e| e.into_inner());
        }
    }
}
