//! Fetching an image URL for the sandbox engine, as a careful client of other
//! people's servers: time limit, size cap, content-type check, address policy.

use std::time::Duration;

use tryon_protocol::{decode_base64, ImageInput, ImageKind};

use super::address_policy::{AddressPolicy, RefusedAddress};
use super::Role;

/// An image input of an accepted job, until the job runs.
#[derive(Debug)]
pub enum PendingImage {
    /// A data URL's bytes. Decoded as soon as the job is accepted: a job waiting in the
    /// queue holds three quarters of what its base64 text took.
    Bytes(Vec<u8>),
    /// A URL, fetched when the job runs.
    Url(String),
    /// Why the input cannot be read (damaged base64), told when the job runs, as an
    /// `ImageLoadError` like any other unreadable image.
    Unreadable(String),
}

impl PendingImage {
    /// Takes the `role` input of a request (a URL or a data URL that passed validation).
    pub fn take(role: Role, value: String) -> Self {
        let what = role.words();
        let input = match ImageInput::parse(role.field(), &value) {
            Ok(input) => input,
            Err(message) => return PendingImage::Unreadable(message),
        };
        match input.kind {
            ImageKind::DataUrl => match decode_base64(input.payload) {
                Ok(bytes) => PendingImage::Bytes(bytes),
                Err(e) => PendingImage::Unreadable(format!(
                    "The {what}'s base64 payload is damaged ({e}): encode the file again."
                )),
            },
            ImageKind::Url if input.payload.len() == value.len() => PendingImage::Url(value),
            ImageKind::Url => PendingImage::Url(input.payload.to_owned()),
        }
    }
}

/// Loads image inputs (URLs and data URLs) as bytes.
#[derive(Clone)]
pub struct ImageFetcher {
    client: reqwest::Client,
    policy: AddressPolicy,
    max_bytes: usize,
    timeout: Duration,
}

const MAX_REDIRECTS: usize = 3;

impl ImageFetcher {
    /// A fetcher with these limits.
    pub fn new(policy: AddressPolicy, timeout: Duration, max_bytes: usize) -> Self {
        let redirect_policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
            }
            match literal_ip(attempt.url()) {
                Some(ip) if !policy.allows(ip) => {
                    let refused = RefusedAddress(ip);
                    attempt.error(refused)
                }
                _ => attempt.follow(),
            }
        });
        let client = crate::outbound_client(timeout)
            .dns_resolver(std::sync::Arc::new(policy))
            .redirect(redirect_policy)
            .build()
            .expect("the HTTP client's settings are valid");
        ImageFetcher {
            client,
            policy,
            max_bytes,
            timeout,
        }
    }

    /// The bytes of an image input: those a data URL carried, or the URL's, fetched now.
    pub async fn load(&self, role: Role, input: PendingImage) -> Result<Vec<u8>, String> {
        match input {
            PendingImage::Bytes(bytes) => Ok(bytes),
            PendingImage::Unreadable(message) => Err(message),
            PendingImage::Url(url) => self.fetch(role.words(), &url).await,
        }
    }

    async fn fetch(&self, what: &str, url: &str) -> Result<Vec<u8>, String> {
        let parsed =
            reqwest::Url::parse(url).map_err(|e| format!("The {what} URL is not valid ({e})."))?;
        if let Some(ip) = literal_ip(&parsed) {
            if !self.policy.allows(ip) {
                return Err(refused_message(what, ip));
            }
        }
        let mut response = self
            .client
            .get(parsed)
            .send()
            .await
            .map_err(|e| self.explain(what, &e))?;
        let status = response.status();
        if !status.is_success() {
            let reason = status.canonical_reason().unwrap_or("");
            return Err(format!(
                "The {what} could not be loaded from the specified URL ({} {reason}): make it public.",
                status.as_u16()
            ));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        // Some storage serves images as octet-stream; the bytes are sniffed anyway.
        if !(content_type.starts_with("image/")
            || content_type.starts_with("application/octet-stream"))
        {
            let shown = if content_type.is_empty() {
                "no content type".to_owned()
            } else {
                content_type
            };
            return Err(format!(
                "The {what} URL serves {shown}, not an image: serve it with Content-Type image/jpeg or image/png."
            ));
        }
        if response
            .content_length()
            .is_some_and(|n| n as usize > self.max_bytes)
        {
            return Err(self.too_large(what));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.explain(what, &e))? {
            if bytes.len() + chunk.len() > self.max_bytes {
                return Err(self.too_large(what));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    fn too_large(&self, what: &str) -> String {
        format!(
            "The {what} is larger than {} MB: send a smaller photo.",
            self.max_bytes / (1 << 20)
        )
    }

    fn explain(&self, what: &str, e: &reqwest::Error) -> String {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(err) = source {
            if let Some(refused) = err.downcast_ref::<RefusedAddress>() {
                return refused_message(what, refused.0);
            }
            source = err.source();
        }
        if e.is_timeout() {
            format!(
                "The {what} URL did not answer within {} s.",
                self.timeout.as_secs_f64()
            )
        } else if e.is_redirect() {
            format!("The {what} URL redirects too often (more than {MAX_REDIRECTS} times).")
        } else if e.is_connect() {
            format!("The {what} URL's server could not be reached: check the address.")
        } else {
            format!("The {what} could not be downloaded: the connection broke off.")
        }
    }
}

fn refused_message(what: &str, ip: std::net::IpAddr) -> String {
    format!("The {what} URL points at {ip}, a private, loopback or link-local address the gateway does not fetch from: use a public URL.")
}

fn literal_ip(url: &reqwest::Url) -> Option<std::net::IpAddr> {
    match url.host()? {
        url::Host::Ipv4(v4) => Some(v4.into()),
        url::Host::Ipv6(v6) => Some(v6.into()),
        url::Host::Domain(_) => None,
    }
}
