//! The in-memory store: the registry's test bench, with fault injection (a failing or half-applied
//! commit, a storage quota, a corrupted record) so every failure path can be exercised natively.

use super::store::{Batch, Store, StoreError, Write};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// A fault armed for the next commit.
#[derive(Debug, Clone)]
enum Fault {
    /// Fail with this error before writing anything.
    Fail(StoreError),
    /// Apply this many writes to a scratch copy, then abort (the copy is thrown away).
    AbortAfter(usize),
}

#[derive(Debug, Default)]
struct Inner {
    records: BTreeMap<String, Vec<u8>>,
    fault: Option<Fault>,
    quota: Option<usize>,
    commits: u64,
}

/// An in-memory [`Store`]; clones share the same records (like two tabs on one database).
#[derive(Debug, Clone, Default)]
pub struct MemStore {
    inner: Arc<Mutex<Inner>>,
}

fn size_of(records: &BTreeMap<String, Vec<u8>>) -> usize {
    records.iter().map(|(k, v)| k.len() + v.len()).sum()
}

impl MemStore {
    /// An empty store with no quota and no fault armed.
    pub fn new() -> Self {
        MemStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A poisoned lock only means another thread panicked mid-call; the map is still whole
        // because every commit builds its new map before swapping it in.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Make the next commit fail with `error`, writing nothing.
    pub fn fail_next_commit(&self, error: StoreError) {
        self.lock().fault = Some(Fault::Fail(error));
    }

    /// Make the next commit apply `n` of its writes and then abort, like a transaction killed
    /// mid-way: the store must be left exactly as before.
    pub fn abort_next_commit_after(&self, n: usize) {
        self.lock().fault = Some(Fault::AbortAfter(n));
    }

    /// Disarm any fault armed by [`MemStore::fail_next_commit`] or
    /// [`MemStore::abort_next_commit_after`] that no commit has consumed yet.
    pub fn clear_fault(&self) {
        self.lock().fault = None;
    }

    /// Limit the total size (keys + values, in bytes); `None` removes the limit.
    pub fn set_quota(&self, bytes: Option<usize>) {
        self.lock().quota = bytes;
    }

    /// Overwrite `key` with raw bytes, bypassing faults, quota and preconditions (to corrupt it).
    pub fn corrupt(&self, key: &str, bytes: &[u8]) {
        self.lock().records.insert(key.to_string(), bytes.to_vec());
    }

    /// A copy of every record, for before/after comparisons in tests.
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        self.lock().records.clone()
    }

    /// The number of commits that succeeded.
    pub fn commits(&self) -> u64 {
        self.lock().commits
    }

    /// The total size of the records (keys + values, in bytes).
    pub fn size(&self) -> usize {
        size_of(&self.lock().records)
    }
}

impl Store for MemStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock().records.get(key).cloned())
    }

    async fn keys(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .lock()
            .records
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, _)| k.clone())
            .collect())
    }

    async fn scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        Ok(self
            .lock()
            .records
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    async fn range(&self, start: &str, end: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        if start > end {
            return Ok(Vec::new());
        }
        Ok(self
            .lock()
            .records
            .range(start.to_string()..=end.to_string())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    async fn commit(&self, batch: Batch) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let fault = inner.fault.take();
        if let Some(Fault::Fail(e)) = fault {
            return Err(e);
        }
        let current = batch
            .expect
            .as_ref()
            .and_then(|(k, _)| inner.records.get(k).map(Vec::as_slice));
        batch.check(current)?;
        // Build the new map aside and swap it in only when every write went through.
        let mut next = inner.records.clone();
        for (i, w) in batch.writes.into_iter().enumerate() {
            if let Some(Fault::AbortAfter(n)) = fault {
                if i == n {
                    return Err(StoreError::Aborted(format!(
                        "injected abort after {n} write(s) of the batch"
                    )));
                }
            }
            match w {
                Write::Put(k, v) => {
                    next.insert(k, v);
                }
                Write::Delete(k) => {
                    next.remove(&k);
                }
            }
        }
        if let Some(Fault::AbortAfter(n)) = fault {
            return Err(StoreError::Aborted(format!(
                "injected abort at commit after {n} write(s)"
            )));
        }
        if let Some(q) = inner.quota {
            let need = size_of(&next);
            if need > q {
                return Err(StoreError::Quota(format!(
                    "the batch needs {need} bytes in total, the quota is {q}"
                )));
            }
        }
        inner.records = next;
        inner.commits += 1;
        Ok(())
    }
}
