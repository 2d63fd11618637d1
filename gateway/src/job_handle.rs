//! Job ids handed to clients: the engine's id plus a MAC binding it to the session
//! that created it. Any replica can check one without shared state, and a session
//! that did not create a job cannot read it (it looks like a job that does not exist).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Signs and opens job ids.
pub struct JobHandles {
    key: Vec<u8>,
}

const TAG_BYTES: usize = 16;

impl JobHandles {
    /// Handles keyed with `secret` (the same secret as the session tokens).
    pub fn new(secret: &[u8]) -> Self {
        Self::for_purpose(b"job-handle:", secret)
    }

    /// Sealed ids for another use of the same secret (e.g. upstream webhook
    /// tickets): a seal made for one purpose never opens for another.
    pub fn for_purpose(purpose: &[u8], secret: &[u8]) -> Self {
        JobHandles {
            key: [purpose, secret].concat(),
        }
    }

    fn tag(&self, session: &str, engine_id: &str) -> [u8; TAG_BYTES] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(session.as_bytes());
        mac.update(&[0]);
        mac.update(engine_id.as_bytes());
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; TAG_BYTES];
        tag.copy_from_slice(&full[..TAG_BYTES]);
        tag
    }

    /// The id a client sees for `engine_id` created by `session`.
    pub fn seal(&self, session: &str, engine_id: &str) -> String {
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(engine_id),
            URL_SAFE_NO_PAD.encode(self.tag(session, engine_id))
        )
    }

    /// The engine's id, if `handle` was sealed for `session`.
    pub fn open(&self, session: &str, handle: &str) -> Option<String> {
        let (id_part, tag_part) = handle.split_once('.')?;
        let engine_id = String::from_utf8(URL_SAFE_NO_PAD.decode(id_part).ok()?).ok()?;
        let given = URL_SAFE_NO_PAD.decode(tag_part).ok()?;
        let expected = self.tag(session, &engine_id);
        // Constant time, so the tag cannot be guessed byte by byte.
        use subtle::ConstantTimeEq;
        (given.len() == TAG_BYTES && bool::from(given.ct_eq(&expected))).then_some(engine_id)
    }
}
