//! The JSON-file store (native only): the registry of the command line, one human-readable file.
//!
//! The whole store is one JSON document `{"format": "mlops-loop-store", "records": {key: value}}`,
//! where a value is a JSON string when its bytes are UTF-8 (always, for the registry's records)
//! and `{"hex": "..."}` otherwise. A commit takes a lock file (`<file>.lock`, created exclusively),
//! re-reads the file, checks the batch's precondition, writes the new document to a temporary
//! file in the same directory, `fsync`s it and renames it over the old one: a reader sees the old
//! file or the new one, never a half-written one, and a crash leaves at worst a stray temporary
//! file (ignored) or a lock file nobody holds.
//!
//! The lock is an advisory lock of the operating system on `<file>.lock` (`flock` on Unix), not
//! the file's existence: the kernel releases it when its holder exits, however it exits, so a
//! writer killed mid-commit never blocks the next one, which takes the lock at once. A writer
//! waits up to 10 s for a live holder. The holder removes the lock file before releasing it, and
//! a writer that obtained the lock on a file no longer at that path starts again, so two writers
//! can never both hold it.
//!
//! The file is read through a cap of [`MAX_FILE_BYTES`] (a path naming `/dev/zero` or a huge file
//! is refused after that many bytes, not read until memory runs out), and a commit that would
//! write a larger file is refused as a quota error.

use super::store::{Batch, Store, StoreError, Write};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::api::{format_tag, EXPORT_FORMAT, STORE_FORMAT as FORMAT};

/// Largest registry file read or written, in bytes (256 MiB: a registry stored here is its records'
/// JSON quoted once more, so an import of at most [`super::MAX_IMPORT_BYTES`] (128 MiB) is at most
/// twice its size once stored, and in practice about 1.2 times).
pub const MAX_FILE_BYTES: usize = 256 << 20;

/// How long a writer waits for a live holder of the lock.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Read at most `cap` bytes of the file at `path`: `Ok(None)` when it holds more (a device like
/// `/dev/zero`, a huge file), without reading beyond `cap + 1` bytes.
///
/// # Errors
/// The I/O error of opening or reading the file.
pub fn read_at_most(path: &Path, cap: usize) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read as _;
    let mut f = std::fs::File::open(path)?.take(cap as u64 + 1);
    // The buffer doubles up to `cap + 1` bytes and never beyond, so a device that never ends
    // (`/dev/zero`) costs at most about 1.5 × `cap` of memory while it grows, not 3 × or more.
    let mut bytes: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let n = match f.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let need = bytes.len() + n;
        if need > bytes.capacity() {
            let want = (bytes.capacity() * 2).max(need).min(cap + 1).max(need);
            bytes.reserve_exact(want - bytes.len());
        }
        bytes.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    Ok((bytes.len() <= cap).then_some(bytes))
}

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

/// Holds the lock for the commit; on drop removes the lock file, then releases the lock.
struct LockGuard {
    path: PathBuf,
    file: Option<std::fs::File>,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        drop(self.file.take());
    }
}

/// Take the exclusive advisory lock of `file` without waiting: `Ok(false)` when another open
/// file description holds it.
#[cfg(unix)]
fn try_lock(file: &std::fs::File) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd as _;
    // SAFETY: flock(2) on a descriptor `file` owns and keeps open; no memory is passed.
    let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    if e.kind() == std::io::ErrorKind::WouldBlock {
        Ok(false)
    } else {
        Err(e)
    }
}

#[cfg(not(unix))]
#[allow(clippy::incompatible_msrv)]
fn try_lock(file: &std::fs::File) -> std::io::Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// Whether the open `file` is the file `path` names now (not one removed or replaced since).
#[cfg(unix)]
fn is_at(file: &std::fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn is_at(_file: &std::fs::File, path: &Path) -> bool {
    path.exists()
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
        let text = match read_at_most(&self.path, MAX_FILE_BYTES) {
            Ok(Some(t)) => t,
            Ok(None) => {
                return Err(StoreError::corrupt(
                    self.path.display().to_string(),
                    format!(
                        "more than {MAX_FILE_BYTES} bytes (the largest registry file); not read"
                    ),
                ))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => return Err(io(&self.path, "cannot read", e)),
        };
        let key = self.path.display().to_string();
        if text.iter().all(u8::is_ascii_whitespace) {
            // Never written by a store (its writes are whole documents): a file made by hand.
            return Err(StoreError::corrupt(
                &key,
                "the file is empty, not a registry file: name a file that does not exist yet \
                 (the first write creates it) or remove this one",
            ));
        }
        let doc: Document = serde_json::from_slice(&text).map_err(|e| {
            if format_tag(&text).as_deref() == Some(EXPORT_FORMAT) {
                StoreError::corrupt(
                    &key,
                    format!(
                        "this file is a registry export (format {EXPORT_FORMAT:?}), not a \
                         registry file: import it into one with `mlops-loop registry import \
                         {key} --registry NEW.json`"
                    ),
                )
            } else {
                StoreError::corrupt(&key, format!("not a store document: {e}"))
            }
        })?;
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
        use std::io::{Seek as _, SeekFrom};
        let lock = self.sibling(".lock");
        let start = std::time::Instant::now();
        loop {
            let mut f = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&lock)
                .map_err(|e| io(&lock, "cannot open the lock file", e))?;
            match try_lock(&f) {
                Ok(true) if is_at(&f, &lock) => {
                    // Who holds it, for the message of a writer that waits too long.
                    let _ = f.set_len(0);
                    let _ = f.seek(SeekFrom::Start(0));
                    let _ = write!(f, "{}", std::process::id());
                    return Ok(LockGuard {
                        path: lock,
                        file: Some(f),
                    });
                }
                // The holder we waited for removed the file: lock the one at the path now.
                Ok(true) => continue,
                Ok(false) => {
                    if start.elapsed() > LOCK_WAIT {
                        let holder = std::fs::read_to_string(&lock).unwrap_or_default();
                        return Err(StoreError::Io(format!(
                            "another running writer (process {}) has held the lock {} for more \
                             than {} s",
                            holder.trim(),
                            lock.display(),
                            LOCK_WAIT.as_secs()
                        )));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                Err(e) => return Err(io(&lock, "cannot lock the lock file", e)),
            }
        }
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
        if bytes.len() > MAX_FILE_BYTES {
            return Err(StoreError::Quota(format!(
                "{} would be {} bytes, more than the {MAX_FILE_BYTES}-byte limit of a registry \
                 file; nothing was written",
                self.path.display(),
                bytes.len()
            )));
        }
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

    async fn range(&self, start: &str, end: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        Ok(self
            .read()?
            .into_iter()
            .filter(|(k, _)| k.as_str() >= start && k.as_str() <= end)
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
