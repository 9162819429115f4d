//! The byte-level storage trait under the registry: three calls (`get`, `keys`, `commit`), one error
//! enum, and an atomic batch with a compare-and-swap precondition.
//!
//! The registry never writes a record on its own: every mutation is one [`Batch`] whose
//! precondition says "the key `meta` still holds exactly the bytes I read". A backend applies the
//! whole batch or none of it, and checks the precondition *inside the same transaction* as the
//! writes, so two writers (two browser tabs, two processes) cannot lose an update: the second one
//! gets [`StoreError::Conflict`] and the registry re-reads and retries.
//!
//! Implementing [`Store`] over IndexedDB: open one `readwrite` transaction, `get` the expected key,
//! compare its bytes in the success callback, then issue every `put`/`delete` of the batch in that
//! same transaction, or `abort()` it and answer `Conflict`; resolve only on the transaction's
//! `complete` event. IndexedDB serialises overlapping `readwrite` transactions across tabs, which
//! is what makes the check-then-write atomic.

/// A storage failure; each message says which key or file and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A record that must exist is missing.
    #[error("record {key:?} not found")]
    NotFound {
        /// The missing key.
        key: String,
    },
    /// The batch's precondition failed: someone else wrote first. Nothing was written.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The storage is full (IndexedDB `QuotaExceededError`, disk full). Nothing was written.
    #[error("storage quota exceeded: {0}")]
    Quota(String),
    /// A stored record cannot be read back as what it should be.
    #[error("corrupt record {key:?}: {reason}")]
    Corrupt {
        /// The key (or file) holding the bad record.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An I/O failure of the medium (file system, database connection).
    #[error("storage I/O error: {0}")]
    Io(String),
    /// The transaction was aborted before it committed. Nothing was written.
    #[error("transaction aborted: {0}")]
    Aborted(String),
}

impl StoreError {
    /// Shorthand for [`StoreError::Corrupt`].
    pub fn corrupt(key: impl Into<String>, reason: impl Into<String>) -> Self {
        StoreError::Corrupt {
            key: key.into(),
            reason: reason.into(),
        }
    }
}

/// One write of a batch: store bytes under a key, or delete the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Store the bytes under the key (replacing any previous value).
    Put(String, Vec<u8>),
    /// Delete the key (no error if absent).
    Delete(String),
}

impl Write {
    /// The key this write touches.
    pub fn key(&self) -> &str {
        match self {
            Write::Put(k, _) | Write::Delete(k) => k,
        }
    }
}

/// An atomic batch of writes, applied in order, guarded by an optional precondition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// Commit only if this key currently holds exactly these bytes (`None`: the key is absent).
    pub expect: Option<(String, Option<Vec<u8>>)>,
    /// The writes, applied in order: later writes to the same key win.
    pub writes: Vec<Write>,
}

impl Batch {
    /// An empty batch with no precondition.
    pub fn new() -> Self {
        Batch::default()
    }

    /// Require `key` to hold exactly `value` (`None`: absent) when the batch commits.
    pub fn expect(mut self, key: impl Into<String>, value: Option<Vec<u8>>) -> Self {
        self.expect = Some((key.into(), value));
        self
    }

    /// Add a put.
    pub fn put(mut self, key: impl Into<String>, value: Vec<u8>) -> Self {
        self.writes.push(Write::Put(key.into(), value));
        self
    }

    /// Add a delete.
    pub fn delete(mut self, key: impl Into<String>) -> Self {
        self.writes.push(Write::Delete(key.into()));
        self
    }

    /// Check the precondition against the value a backend currently holds for the expected key.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the stored value differs from the expected one.
    pub fn check(&self, current: Option<&[u8]>) -> Result<(), StoreError> {
        match &self.expect {
            None => Ok(()),
            Some((_, want)) if want.as_deref() == current => Ok(()),
            Some((key, _)) => Err(StoreError::Conflict(format!(
                "{key:?} changed since it was read (another tab or process wrote first)"
            ))),
        }
    }
}

/// A byte-level key–value store with atomic, conditional batches.
///
/// Keys are ASCII strings; [`Store::keys`] returns them sorted ascending. Methods take `&self`:
/// handles are cheap clones sharing one medium, like two tabs on one IndexedDB database.
/// The futures need not be `Send` (WebAssembly is single-threaded).
#[allow(async_fn_in_trait)]
pub trait Store {
    /// The bytes stored under `key`, or `None` if absent.
    ///
    /// # Errors
    /// [`StoreError::Io`] or [`StoreError::Corrupt`] when the medium cannot be read.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Every key starting with `prefix`, sorted ascending.
    ///
    /// # Errors
    /// As [`Store::get`].
    async fn keys(&self, prefix: &str) -> Result<Vec<String>, StoreError>;

    /// Every `(key, bytes)` whose key starts with `prefix`, sorted by key.
    ///
    /// The default reads [`Store::keys`] then each value; a backend can answer in one request
    /// (IndexedDB: `getAll` over a key range) and should, since the history is read this way.
    /// A key deleted between the two steps is skipped.
    ///
    /// # Errors
    /// As [`Store::get`].
    async fn scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut out = Vec::new();
        for k in self.keys(prefix).await? {
            if let Some(v) = self.get(&k).await? {
                out.push((k, v));
            }
        }
        Ok(out)
    }

    /// Every `(key, bytes)` with `start <= key <= end`, sorted by key (one page of the history).
    ///
    /// The default scans every key; a backend should answer from the range alone (IndexedDB:
    /// `getAll` over a key range, in one transaction).
    ///
    /// # Errors
    /// As [`Store::get`].
    async fn range(&self, start: &str, end: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut all = self.scan("").await?;
        all.retain(|(k, _)| k.as_str() >= start && k.as_str() <= end);
        Ok(all)
    }

    /// Apply the whole batch atomically if its precondition holds, or nothing.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] (precondition failed), [`StoreError::Quota`],
    /// [`StoreError::Aborted`], [`StoreError::Io`]; in every case nothing was written.
    async fn commit(&self, batch: Batch) -> Result<(), StoreError>;
}

/// Run a registry future to its end from synchronous code: the CLI, the loop's
/// [`run`](crate::orchestrator::run) (natively and in WebAssembly), tests.
///
/// It polls the future once, with a waker that does nothing. That is sound because the stores
/// synchronous code uses answer at once: [`MemStore`](super::MemStore) and
/// [`FileStore`](super::FileStore) do their work inside `poll` (a file lock held by another
/// process is waited for there, by sleeping), and the registry and the loop await nothing else,
/// so their futures are ready after the first poll. A store that truly waits (IndexedDB) must be
/// awaited instead; given one, this does not hang, spin or panic: it returns
/// [`StoreError::Io`] saying the store did not answer at once, as the future's own error type.
///
/// # Errors
/// The future's own error, or [`StoreError::Io`] (converted) when it is not ready after one poll.
pub fn block_on<F, T, E>(fut: F) -> Result<T, E>
where
    F: std::future::Future<Output = Result<T, E>>,
    E: From<StoreError>,
{
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut fut = std::pin::pin!(fut);
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => Err(StoreError::Io(
            "the store did not answer at once: a store that waits (IndexedDB) must be awaited"
                .into(),
        )
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_returns_a_ready_future_and_an_error_for_a_pending_one() {
        let ready: Result<u32, StoreError> = block_on(async { Ok(7) });
        assert_eq!(ready.ok(), Some(7));
        // A store that waits: its future is never ready; the answer is an error at once.
        let waits = std::future::pending::<crate::Result<u32>>();
        let e = block_on(waits).expect_err("pending");
        assert!(
            matches!(e, crate::Error::Store(StoreError::Io(ref m)) if m.contains("awaited")),
            "{e}"
        );
    }
}
