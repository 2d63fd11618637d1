//! Reading request bodies to their end, also the ones the gateway refuses. A refusal
//! that comes before the body is read (a wrong bearer, a token for another origin,
//! a body that is not JSON, an unknown route) would otherwise close the connection
//! on an upload still arriving: a client that sends its whole job before it reads
//! (most do) meets a broken pipe instead of the answer. What is refused is read and
//! dropped, never kept, up to the body limit and for a bounded time.

use std::pin::Pin;
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};

/// Longest the gateway keeps reading an upload it will not use.
const READ_TIME_LIMIT: Duration = Duration::from_secs(30);

/// The most [`read_up_to`] reserves before the bytes arrive.
const RESERVE_AT_MOST: usize = 4 << 20;

/// Why a body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unread {
    /// It is larger than the limit (what followed was read and dropped).
    TooLarge,
    /// The connection broke or stalled before its end.
    Broken,
}

/// The whole body, if it is at most `limit` bytes.
pub async fn read_up_to(mut body: Body, limit: usize) -> Result<Bytes, Unread> {
    // Room for what the client declared (`Content-Length`), so the buffer is not
    // copied as it doubles and holds no slack while the request is handled. Only up to
    // RESERVE_AT_MOST: a declared size is a claim, not bytes that arrived.
    let declared = usize::try_from(body.size_hint().lower()).unwrap_or(usize::MAX);
    let mut bytes = Vec::with_capacity(declared.min(limit).min(RESERVE_AT_MOST));
    loop {
        match next_chunk(&mut body).await {
            Some(Ok(chunk)) if bytes.len() + chunk.len() > limit => {
                read_and_drop(body, limit).await;
                return Err(Unread::TooLarge);
            }
            Some(Ok(chunk)) => bytes.extend_from_slice(&chunk),
            Some(Err(())) => return Err(Unread::Broken),
            None => return Ok(bytes.into()),
        }
    }
}

/// Reads what is left of `body` (at most `limit` bytes, at most 30 s) and drops it,
/// so the answer that follows reaches a client still uploading.
pub async fn read_and_drop(mut body: Body, limit: usize) {
    let reading = async {
        let mut read = 0usize;
        while read <= limit {
            match next_chunk(&mut body).await {
                Some(Ok(chunk)) => read += chunk.len(),
                Some(Err(())) | None => return,
            }
        }
    };
    let _ = tokio::time::timeout(READ_TIME_LIMIT, reading).await;
}

/// The next data of `body` (trailers are skipped); `None` at its end.
async fn next_chunk(body: &mut Body) -> Option<Result<Bytes, ()>> {
    loop {
        if body.is_end_stream() {
            return None;
        }
        match std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await? {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    return Some(Ok(data));
                }
            }
            Err(_) => return Some(Err(())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_within_the_limit_and_refuses_beyond() {
        let body = || Body::from(vec![7u8; 1000]);
        assert_eq!(read_up_to(body(), 1000).await.unwrap().len(), 1000);
        assert_eq!(read_up_to(body(), 999).await, Err(Unread::TooLarge));
        assert!(read_up_to(Body::empty(), 0).await.unwrap().is_empty());
        read_and_drop(body(), 10).await;
    }
}
