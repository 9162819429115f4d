//! The JSON-file store (native only): the registry of the command line, one human-readable file.
//!
//! The whole store is one JSON document `{"format": "mlops-loop-store", "records": {key: value}}`,
//! where a value is a JSON string when its bytes are UTF-8 (always, for the registry's records)
//! and `{"hex": "..."}` otherwise. A commit takes a lock file (`<file>.lock`, created exclusively),
//! re-reads the file, checks the batch's precondition, writes the new document to a temporary
//! file in the same directory, `fsync`s it and renames it over the old one: a reader sees the old
//! file or the new one, never a half-written one, and a crash leaves at worst a stray temporary
//! file (ignored) or a stale lock file (reported by name, to be removed by hand).

use super::store::{Batch, Store, StoreError, Write};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

const FORMAT: &str = "mlops-loop-store";

#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Value {
    Text(String),
    Bytes { hex: String },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    format: String,
    records: BTreeMap<String, Value>,
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

/// A [`Store`] in one JSON file, written atomically (temporary file + fsync + rename).
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

/// Removes the lock file when the commit ends, whatever the outcome.
struct LockGuard(PathBuf);

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn io(path: &Path, what: &str, e: std::io::Error) -> StoreError {
    if e.kind() == std::io::ErrorKind::StorageFull {
        StoreError::Quota(format!("{what} {}: {e}", path.display()))
    } else {
        StoreError::Io(format!("{what} {}: {e}", path.display()))
    }
}

impl FileStore {
    /// A store in the file at `path` (created by the first commit; a missing file is empty).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore { path: path.into() }
    }

    /// The file holding the records.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        let mut name = self
            .path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(suffix);
        self.path.with_file_name(name)
    }

    fn read(&self) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
        let text = match std::fs::read(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => return Err(io(&self.path, "cannot read", e)),
        };
        let key = self.path.display().to_string();
        let doc: Document = serde_json::from_slice(&text)
            .map_err(|e| StoreError::corrupt(&key, format!("not a store document: {e}")))?;
        if doc.format != FORMAT {
            return Err(StoreError::corrupt(
                &key,
                format!("format is {:?}, expected {FORMAT:?}", doc.format),
            ));
        }
        doc.records
            .into_iter()
            .map(|(k, v)| match v {
                Value::Text(s) => Ok((k, s.into_bytes())),
                Value::Bytes { hex } => match from_hex(&hex) {
                    Some(b) => Ok((k, b)),
                    None => Err(StoreError::corrupt(
                        format!("{key}#{k}"),
                        "the hex value is not valid hexadecimal",
                    )),
                },
            })
            .collect()
    }

    fn lock(&self) -> Result<LockGuard, StoreError> {
        let lock = self.sibling(".lock");
        for _ in 0..300 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&lock)
            {
                Ok(_) => return Ok(LockGuard(lock)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => return Err(io(&lock, "cannot create the lock file", e)),
            }
        }
        Err(StoreError::Conflict(format!(
            "the lock file {} is held by another writer for more than 3 s \
             (if no other mlops-loop is running, delete it)",
            lock.display()
        )))
    }

    fn write(&self, records: &BTreeMap<String, Vec<u8>>) -> Result<(), StoreError> {
        let doc = Document {
            format: FORMAT.to_string(),
            records: records
                .iter()
                .map(|(k, v)| {
                    let value = match std::str::from_utf8(v) {
                        Ok(s) => Value::Text(s.to_string()),
                        Err(_) => Value::Bytes { hex: to_hex(v) },
                    };
                    (k.clone(), value)
                })
                .collect(),
        };
        let bytes = serde_json::to_vec_pretty(&doc)
            .map_err(|e| StoreError::Io(format!("cannot serialise the store: {e}")))?;
        let tmp = self.sibling(&format!(".tmp-{}", std::process::id()));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp).map_err(|e| io(&tmp, "cannot create", e))?;
            f.write_all(&bytes)
                .map_err(|e| io(&tmp, "cannot write", e))?;
            f.sync_all().map_err(|e| io(&tmp, "cannot sync", e))?;
            std::fs::rename(&tmp, &self.path).map_err(|e| io(&self.path, "cannot replace", e))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result?;
        // Make the rename itself durable (best effort: not every platform can sync a directory).
        if let Some(dir) = self.path.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

impl Store for FileStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.read()?.remove(key))
    }

    async fn keys(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .read()?
            .into_keys()
            .filter(|k| k.starts_with(prefix))
            .collect())
    }

    async fn scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        Ok(self
            .read()?
            .into_iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .collect())
    }

    async fn commit(&self, batch: Batch) -> Result<(), StoreError> {
        let _guard = self.lock()?;
        let mut records = self.read()?;
        let current = batch
            .expect
            .as_ref()
            .and_then(|(k, _)| records.get(k).map(Vec::as_slice));
        batch.check(current)?;
        for w in batch.writes {
            match w {
                Write::Put(k, v) => {
                    records.insert(k, v);
                }
                Write::Delete(k) => {
                    records.remove(&k);
                }
            }
        }
        self.write(&records)
    }
}
