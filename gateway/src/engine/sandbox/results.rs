//! Result images of sandbox jobs, kept under unguessable names until they expire
//! (minutes), within a byte budget: a `moka` cache with a time to live and a byte
//! weigher. The bytes themselves wait on disk when they can ([`Spill`]), in memory
//! otherwise.

use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::policy::EvictionPolicy;
use moka::sync::Cache;
use tryon_protocol::OutputFormat;

use super::spill::{Spill, Spilled};
use crate::token::random_hex;

/// One stored image.
#[derive(Clone)]
pub struct StoredResult {
    /// Encoded bytes.
    pub bytes: axum::body::Bytes,
    /// Their format.
    pub format: OutputFormat,
    /// When it stops being served.
    pub expires: Instant,
}

/// Where a result's bytes wait.
#[derive(Clone)]
enum Held {
    Memory(axum::body::Bytes),
    Disk(Arc<Spilled>),
}

impl Held {
    fn len(&self) -> usize {
        match self {
            Held::Memory(bytes) => bytes.len(),
            Held::Disk(spilled) => spilled.len(),
        }
    }
}

/// One stored image, as the cache keeps it.
#[derive(Clone)]
struct Kept {
    held: Held,
    format: OutputFormat,
    expires: Instant,
}

/// The store.
pub struct ResultStore {
    ttl: Duration,
    images: Cache<String, Kept>,
    spill: Arc<Spill>,
}

impl ResultStore {
    /// Results kept `ttl`, at most `max_bytes` in all (the least recently stored or
    /// served go first), on disk where `spill` allows.
    pub fn new(ttl: Duration, max_bytes: usize, spill: Arc<Spill>) -> Self {
        let images = Cache::builder()
            .max_capacity(max_bytes as u64)
            .weigher(|_, result: &Kept| u32::try_from(result.held.len()).unwrap_or(u32::MAX))
            .time_to_live(ttl)
            // Least recently used out first. Moka's default (TinyLFU) may refuse to
            // store a new entry that has never been read, and every result is new
            // when it is stored: a shopper would get a URL that answers 404.
            .eviction_policy(EvictionPolicy::lru())
            .build();
        ResultStore { ttl, images, spill }
    }

    /// Stores an image; returns its name (128 random bits plus the extension) and the
    /// bytes, for a copy elsewhere (the replicas' shared store).
    pub async fn put(&self, bytes: Vec<u8>, format: OutputFormat) -> (String, axum::body::Bytes) {
        // In memory, kept in a copy of its own size, made here (on the runtime's
        // threads), not in the encoder's buffer: that one has doubled as it grew, and
        // it comes from the render thread's heap, where results kept for minutes would
        // sit between the megabytes every render takes and frees.
        let copy = axum::body::Bytes::copy_from_slice(&bytes);
        // Files are written off the runtime's threads: a disk under pressure blocks.
        let spill = self.spill.clone();
        let held = match tokio::task::spawn_blocking(move || spill.keep(bytes)).await {
            Ok(Ok(spilled)) => Held::Disk(Arc::new(spilled)),
            _ => Held::Memory(copy.clone()),
        };
        let name = format!("{}.{}", random_hex(16), format.extension());
        self.images.insert(
            name.clone(),
            Kept {
                held,
                format,
                expires: Instant::now() + self.ttl,
            },
        );
        (name, copy)
    }

    /// The image stored under `name`, unless it expired (or its file cannot be read
    /// back, which is logged).
    pub async fn get(&self, name: &str) -> Option<StoredResult> {
        let kept = self.images.get(name)?;
        let bytes = match kept.held {
            Held::Memory(bytes) => bytes,
            Held::Disk(spilled) => {
                match tokio::task::spawn_blocking(move || spilled.read()).await {
                    Ok(Ok(bytes)) => bytes.into(),
                    Ok(Err(e)) => {
                        tracing::error!(error = %e, "a sandbox result could not be read back");
                        return None;
                    }
                    Err(_) => return None,
                }
            }
        };
        Some(StoredResult {
            bytes,
            format: kept.format,
            expires: kept.expires,
        })
    }

    /// Bytes held now (after pending evictions are done).
    #[cfg(test)]
    fn bytes_held(&self) -> u64 {
        self.images.run_pending_tasks();
        self.images.weighted_size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_memory() -> Arc<Spill> {
        Arc::new(Spill::new(None, 0))
    }

    fn on_disk() -> Arc<Spill> {
        Arc::new(Spill::new(Some(std::env::temp_dir()), 64))
    }

    #[tokio::test]
    async fn keeps_within_its_budget_newest_first() {
        for spill in [in_memory(), on_disk()] {
            let store = ResultStore::new(Duration::from_secs(600), 10_000, spill.clone());
            let mut names = vec![];
            for i in 0..5 {
                names.push(store.put(vec![i; 3_000], OutputFormat::Jpeg).await.0);
            }
            assert!(store.bytes_held() <= 10_000, "{}", store.bytes_held());
            let newest = store
                .get(&names[4])
                .await
                .expect("the newest result is served");
            assert_eq!(
                (newest.bytes.to_vec(), newest.format),
                (vec![4; 3_000], OutputFormat::Jpeg)
            );
            assert!(
                store.get(&names[0]).await.is_none(),
                "the oldest went first"
            );
            assert!(names[0].ends_with(".jpg") && names[0].len() == 32 + 4);
            // What went out of the store also closed its file (moka drops an evicted
            // value at its next round of upkeep).
            store.images.run_pending_tasks();
            assert!(spill.files_open() <= 3, "{} files open", spill.files_open());
        }
    }

    #[tokio::test]
    async fn results_on_disk_are_served_as_stored() {
        let spill = on_disk();
        let store = ResultStore::new(Duration::from_secs(600), 1 << 20, spill.clone());
        let bytes: Vec<u8> = (0..50_000u32).map(|i| (i % 253) as u8).collect();
        let (name, copy) = store.put(bytes.clone(), OutputFormat::Png).await;
        assert_eq!(spill.files_open(), 1, "the result went to disk");
        assert_eq!(copy.to_vec(), bytes, "the copy for the replicas");
        assert_eq!(store.get(&name).await.unwrap().bytes.to_vec(), bytes);
        assert_eq!(
            store.get(&name).await.unwrap().bytes.to_vec(),
            bytes,
            "served twice"
        );
    }

    #[tokio::test]
    async fn results_expire() {
        for spill in [in_memory(), on_disk()] {
            let store = ResultStore::new(Duration::from_millis(50), 10_000, spill);
            let (name, _) = store.put(vec![1; 10], OutputFormat::Png).await;
            assert!(store.get(&name).await.is_some());
            tokio::time::sleep(Duration::from_millis(80)).await;
            assert!(store.get(&name).await.is_none());
        }
    }
}
