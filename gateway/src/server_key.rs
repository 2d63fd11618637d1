//! The gateway's server API key (`TRYON_SERVER_API_KEY`), for server-to-server
//! callers. Its own module so that the state holding it and the authentication
//! that checks it do not import each other.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Compares a presented bearer with the server API key without leaking timing.
pub struct ServerKey(Option<[u8; 32]>);

impl ServerKey {
    /// The key to accept; empty means server-to-server access is off.
    pub fn new(key: &str) -> Self {
        ServerKey((!key.is_empty()).then(|| Sha256::digest(key.as_bytes()).into()))
    }

    /// Whether `bearer` is the key (never, when the key is unset).
    pub fn matches(&self, bearer: &str) -> bool {
        match &self.0 {
            // Digests first, so the comparison does not depend on the key's length.
            Some(digest) => {
                let presented: [u8; 32] = Sha256::digest(bearer.as_bytes()).into();
                bool::from(presented.ct_eq(digest))
            }
            None => false,
        }
    }
}
