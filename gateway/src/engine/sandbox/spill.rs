//! Bytes the sandbox keeps on disk instead of in its memory: photos of jobs waiting
//! for a render worker, and finished results until they expire.
//!
//! Both grow with the number of shoppers, not with the work under way: a burst of 200
//! shoppers within a second queued ~180 KB photos and then stored ~195 KB results, and
//! held up to ~70 MB of them in the heap (heaptrack, 200-session bench). On disk they
//! sit in the kernel's page cache, which writes them out or reclaims them under
//! pressure, as a web server buffers large request bodies to disk. Each file has no
//! name once it is open, so nothing is left behind, however the process ends. When
//! the disk refuses (read-only, full) or the open-file budget is spent, the bytes stay
//! in memory: nothing is lost either way.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::images::{PendingImage, Role};
use crate::token::random_hex;

/// Where spilled bytes go, and how many files may be open at once.
#[derive(Debug)]
pub struct Spill {
    dir: Option<PathBuf>,
    open: Arc<AtomicUsize>,
    max_open: usize,
}

impl Spill {
    /// Spills to files in `dir` (`None`: everything stays in memory), at most
    /// `max_open` files at once.
    pub fn new(dir: Option<PathBuf>, max_open: usize) -> Self {
        Spill {
            dir,
            open: Arc::new(AtomicUsize::new(0)),
            max_open,
        }
    }

    /// Moves `bytes` to disk; gives them back if they cannot go there.
    pub fn keep(&self, bytes: Vec<u8>) -> Result<Spilled, Vec<u8>> {
        let Some(dir) = &self.dir else {
            return Err(bytes);
        };
        // A slot first: files beyond the budget would take descriptors that
        // connections need.
        if self.open.fetch_add(1, Ordering::AcqRel) >= self.max_open {
            self.open.fetch_sub(1, Ordering::AcqRel);
            return Err(bytes);
        }
        match write_unnamed(dir, &bytes) {
            Ok(file) => Ok(Spilled {
                file,
                len: bytes.len(),
                open: self.open.clone(),
            }),
            Err(e) => {
                self.open.fetch_sub(1, Ordering::AcqRel);
                tracing::debug!(error = %e, dir = %dir.display(), "bytes stay in memory");
                Err(bytes)
            }
        }
    }

    /// Files open now.
    pub fn files_open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }
}

/// A file in `dir` holding `bytes`, already without a name.
fn write_unnamed(dir: &Path, bytes: &[u8]) -> std::io::Result<File> {
    let path = dir.join(format!("tryon-spill-{}", random_hex(8)));
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    // The open file keeps its bytes; closing it, or the process ending, frees them.
    std::fs::remove_file(&path)?;
    // Writes to the page cache; no fsync: nothing here must survive a restart.
    file.write_all(bytes)?;
    Ok(file)
}

/// Bytes held in a file without a name; the file closes when this is dropped.
#[derive(Debug)]
pub struct Spilled {
    file: File,
    len: usize,
    open: Arc<AtomicUsize>,
}

impl Spilled {
    /// The bytes, read back (shared readers need no lock: each read is positioned).
    pub fn read(&self) -> std::io::Result<Vec<u8>> {
        let mut bytes = vec![0; self.len];
        self.file.read_exact_at(&mut bytes, 0)?;
        Ok(bytes)
    }

    /// How many bytes it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for Spilled {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// An image input of a job waiting for a render worker: as it came, or a data URL's
/// bytes on disk meanwhile.
#[derive(Debug)]
pub enum WaitingImage {
    /// As it came (a URL, bytes the disk refused, an unreadable input).
    Ready(PendingImage),
    /// A data URL's bytes, on disk.
    OnDisk(Spilled),
}

impl WaitingImage {
    /// Moves a data URL's bytes to disk for the wait; anything else, or bytes the disk
    /// refuses, stays as it is. It writes: call it off the async runtime's threads.
    pub fn keep(input: PendingImage, spill: &Spill) -> Self {
        match input {
            PendingImage::Bytes(bytes) => match spill.keep(bytes) {
                Ok(spilled) => WaitingImage::OnDisk(spilled),
                Err(bytes) => WaitingImage::Ready(PendingImage::Bytes(bytes)),
            },
            other => WaitingImage::Ready(other),
        }
    }

    /// The input again, once the job has its worker (read on the blocking pool); a
    /// file that cannot be read back is an error the shopper is told about.
    pub async fn back(self, role: Role) -> Result<PendingImage, String> {
        let spilled = match self {
            WaitingImage::Ready(input) => return Ok(input),
            WaitingImage::OnDisk(spilled) => spilled,
        };
        tokio::task::spawn_blocking(move || spilled.read())
            .await
            .map_err(std::io::Error::other)
            .and_then(|read| read)
            .map(PendingImage::Bytes)
            .map_err(|e| {
                format!(
                    "The gateway could not read back the {} it kept on disk while the job \
                     waited ({e}); send the try-on again.",
                    role.words()
                )
            })
    }
}

/// The soft and hard limits on open files, if they can be read.
fn open_file_limits() -> Option<libc::rlimit> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct passed.
    (unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0).then_some(limit)
}

/// This process's soft limit on open files (1,024 if it cannot be read).
pub fn open_file_limit() -> usize {
    open_file_limits()
        .map(|l| usize::try_from(l.rlim_cur).unwrap_or(usize::MAX))
        .unwrap_or(1024)
}

/// Raises this process's soft limit on open files to its hard limit (Linux commonly
/// starts services at 1,024 with a hard limit far above), so that connections and
/// spilled files both fit. The server calls it once at start (`main.rs`); where the
/// system refuses (macOS with an unlimited hard limit), the soft limit stays.
pub fn raise_open_file_limit() {
    if let Some(limit) = open_file_limits().filter(|l| l.rlim_cur < l.rlim_max) {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit only reads the struct passed.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty_folder() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tryon-spill-test-{}", random_hex(4)));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn spilled_bytes_come_back_whole_and_leave_no_file() {
        let dir = empty_folder();
        let spill = Spill::new(Some(dir.clone()), 8);
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let spilled = spill
            .keep(bytes.clone())
            .expect("a writable folder takes them");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no name left");
        assert_eq!((spill.files_open(), spilled.len()), (1, bytes.len()));
        assert_eq!(spilled.read().unwrap(), bytes);
        assert_eq!(spilled.read().unwrap(), bytes, "read as often as served");
        drop(spilled);
        assert_eq!(spill.files_open(), 0);
        std::fs::remove_dir(&dir).unwrap();
    }

    #[test]
    fn a_folder_that_cannot_be_written_gives_the_bytes_back() {
        let missing = std::env::temp_dir().join(format!("tryon-no-such-{}", random_hex(4)));
        let spill = Spill::new(Some(missing), 8);
        assert_eq!(spill.keep(vec![1, 2, 3]).unwrap_err(), vec![1, 2, 3]);
        assert_eq!(spill.files_open(), 0, "the slot is given back");
        let off = Spill::new(None, 8);
        assert_eq!(off.keep(vec![4]).unwrap_err(), vec![4]);
    }

    #[test]
    fn files_beyond_the_budget_stay_in_memory_until_one_closes() {
        let dir = empty_folder();
        let spill = Spill::new(Some(dir.clone()), 2);
        let first = spill.keep(vec![1]).expect("first file");
        let _second = spill.keep(vec![2]).expect("second file");
        assert_eq!(spill.keep(vec![3]).unwrap_err(), vec![3], "over the budget");
        drop(first);
        assert_eq!(
            spill.keep(vec![4]).expect("a slot freed").read().unwrap(),
            vec![4]
        );
        std::fs::remove_dir(&dir).unwrap();
    }

    #[test]
    fn the_open_file_limit_is_at_least_what_it_was() {
        let before = open_file_limits().expect("the limit can be read");
        raise_open_file_limit();
        let now = open_file_limit();
        assert!(now as u64 >= before.rlim_cur, "never lowered");
        // Linux lets a process raise its soft limit to any finite hard limit.
        #[cfg(target_os = "linux")]
        assert_eq!(now as u64, before.rlim_max, "raised to the hard limit");
    }
}
