//! Result images of sandbox jobs, held in memory under unguessable names until they
//! expire (minutes), within a memory budget: a `moka` cache with a time to live and a
//! byte weigher.

use std::time::{Duration, Instant};

use moka::policy::EvictionPolicy;
use moka::sync::Cache;
use tryon_protocol::OutputFormat;

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

/// The store.
pub struct ResultStore {
    ttl: Duration,
    images: Cache<String, StoredResult>,
}

impl ResultStore {
    /// Results kept `ttl`, at most `max_bytes` in all (the least recently stored or
    /// served go first).
    pub fn new(ttl: Duration, max_bytes: usize) -> Self {
        let images = Cache::builder()
            .max_capacity(max_bytes as u64)
            .weigher(|_, result: &StoredResult| {
                u32::try_from(result.bytes.len()).unwrap_or(u32::MAX)
            })
            .time_to_live(ttl)
            // Least recently used out first. Moka's default (TinyLFU) may refuse to
            // store a new entry that has never been read, and every result is new
            // when it is stored: a shopper would get a URL that answers 404.
            .eviction_policy(EvictionPolicy::lru())
            .build();
        ResultStore { ttl, images }
    }

    /// Stores an image; returns its name (128 random bits plus the extension) and the
    /// bytes as kept.
    pub fn put(&self, bytes: Vec<u8>, format: OutputFormat) -> (String, axum::body::Bytes) {
        // Kept in a copy of its own size, made here (on the runtime's threads), not in
        // the encoder's buffer: that one has doubled as it grew, and it comes from the
        // render thread's heap, where results kept for minutes would sit between the
        // megabytes every render takes and frees, and keep them from being reused.
        let bytes = axum::body::Bytes::copy_from_slice(&bytes);
        let name = format!("{}.{}", random_hex(16), format.extension());
        self.images.insert(
            name.clone(),
            StoredResult {
                bytes: bytes.clone(),
                format,
                expires: Instant::now() + self.ttl,
            },
        );
        (name, bytes)
    }

    /// The image stored under `name`, unless it expired.
    pub fn get(&self, name: &str) -> Option<StoredResult> {
        self.images.get(name)
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

    #[test]
    fn keeps_within_its_budget_newest_first() {
        let store = ResultStore::new(Duration::from_secs(600), 10_000);
        let names: Vec<String> = (0..5)
            .map(|_| store.put(vec![7; 3_000], OutputFormat::Jpeg).0)
            .collect();
        assert!(store.bytes_held() <= 10_000, "{}", store.bytes_held());
        let newest = store.get(&names[4]).expect("the newest result is served");
        assert_eq!(
            (newest.bytes.len(), newest.format),
            (3_000, OutputFormat::Jpeg)
        );
        assert!(store.get(&names[0]).is_none(), "the oldest went first");
        assert!(names[0].ends_with(".jpg") && names[0].len() == 32 + 4);
    }

    #[test]
    fn results_expire() {
        let store = ResultStore::new(Duration::from_millis(50), 10_000);
        let (name, _) = store.put(vec![1; 10], OutputFormat::Png);
        assert!(store.get(&name).is_some());
        std::thread::sleep(Duration::from_millis(80));
        assert!(store.get(&name).is_none());
    }
}
