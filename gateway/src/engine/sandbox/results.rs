//! Result images of sandbox jobs, held in memory under unguessable names until they
//! expire (minutes), within a memory budget.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
    max_bytes: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    items: HashMap<String, StoredResult>,
    order: VecDeque<String>,
    bytes: usize,
}

impl ResultStore {
    /// Results kept `ttl`, at most `max_bytes` in all (oldest dropped first).
    pub fn new(ttl: Duration, max_bytes: usize) -> Self {
        ResultStore {
            ttl,
            max_bytes,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Stores an image and returns its name (128 random bits plus the extension).
    pub fn put(&self, mut bytes: Vec<u8>, format: OutputFormat) -> String {
        // Encoders grow their buffer by doubling: do not keep the slack for minutes.
        bytes.shrink_to_fit();
        let name = format!("{}.{}", random_hex(16), format.extension());
        let now = Instant::now();
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.bytes += bytes.len();
        inner.items.insert(
            name.clone(),
            StoredResult {
                bytes: bytes.into(),
                format,
                expires: now + self.ttl,
            },
        );
        inner.order.push_back(name.clone());
        // Oldest first: expired ones, then any over the budget.
        while let Some(oldest) = inner.order.front().cloned() {
            let expired = inner.items.get(&oldest).is_none_or(|r| r.expires <= now);
            if !(expired || inner.bytes > self.max_bytes) || oldest == name {
                break;
            }
            inner.order.pop_front();
            if let Some(r) = inner.items.remove(&oldest) {
                inner.bytes -= r.bytes.len();
            }
        }
        name
    }

    /// The image stored under `name`, unless it expired.
    pub fn get(&self, name: &str) -> Option<StoredResult> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner
            .items
            .get(name)
            .filter(|r| r.expires > Instant::now())
            .cloned()
    }
}
