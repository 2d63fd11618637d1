//! What the merchant's money needs from shared state, as two small traits: sliding
//! windows and day totals of images ([`Counters`]), and remembered submits
//! ([`Replays`]). Each has an implementation in this process (`spending::local`) and
//! one in Redis (`cluster::spending`), chosen once at start-up; `spending::failover`
//! puts the two together for replicas, so a Redis outage falls back to this process.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// The shared store could not be asked.
#[derive(Debug, Clone)]
pub struct Unavailable(pub String);

/// An answer from a store, later.
pub type StoreAnswer<'a, T> = Pin<Box<dyn Future<Output = Result<T, Unavailable>> + Send + 'a>>;

/// One take from a sliding window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Whether the images were taken.
    pub allowed: bool,
    /// Images left in the window after this answer.
    pub remaining: u32,
    /// Taken: until the whole window is free again. Refused: until enough of it is
    /// free for this request.
    pub wait: Duration,
}

/// One try to spend from a day's total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spent {
    /// Whether the images fitted under the cap and were counted.
    pub allowed: bool,
    /// The day's images after this answer.
    pub images: u64,
}

/// A day's spending.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Today {
    /// Images accepted.
    pub images: u64,
    /// Provider credits the accepted jobs were reported to cost.
    pub credits: f64,
}

/// Counters of images: per shopper over a sliding window, and per day for the key.
pub trait Counters: Send + Sync {
    /// Takes `images` into window `key` (at most `limit` in any `window`) as `entry`,
    /// if they fit.
    fn take<'a>(
        &'a self,
        key: &'a str,
        entry: &'a str,
        images: u32,
        limit: u32,
        window: Duration,
    ) -> StoreAnswer<'a, Window>;

    /// Gives `entry` of window `key` back (its job never started).
    fn give_back<'a>(&'a self, key: &'a str, entry: &'a str) -> StoreAnswer<'a, ()>;

    /// Adds `images` to day `day` if the total stays within `cap` (`None`: no cap).
    fn spend<'a>(&'a self, day: &'a str, images: u32, cap: Option<u64>) -> StoreAnswer<'a, Spent>;

    /// Changes day `day`'s images by `images` (negative: a job that never started).
    fn adjust<'a>(&'a self, day: &'a str, images: i64) -> StoreAnswer<'a, ()>;

    /// Adds provider credits to day `day`.
    fn add_credits<'a>(&'a self, day: &'a str, credits: f64) -> StoreAnswer<'a, ()>;

    /// Day `day`'s totals.
    fn today<'a>(&'a self, day: &'a str) -> StoreAnswer<'a, Today>;
}

/// What a remembered submit says about a new one with the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Nothing was remembered: the key is this request's now, pending.
    Ours,
    /// A request with the same body holds it and has not finished.
    Pending,
    /// A request with the same body made this job (its id as handed out).
    Done(String),
    /// A request with another body holds it.
    Conflict,
}

/// Submits remembered by key, so one sent twice makes one job.
pub trait Replays: Send + Sync {
    /// Claims `key` for a request whose body has `fingerprint`, for `pending` at most,
    /// or tells what holds it.
    fn claim<'a>(
        &'a self,
        key: &'a str,
        fingerprint: &'a str,
        pending: Duration,
    ) -> StoreAnswer<'a, Claim>;

    /// The request holding `key` made job `job`: remembered for `keep`.
    fn settle<'a>(
        &'a self,
        key: &'a str,
        fingerprint: &'a str,
        job: &'a str,
        keep: Duration,
    ) -> StoreAnswer<'a, ()>;

    /// Forgets `key` (its request made no job, or its job has ended).
    fn release<'a>(&'a self, key: &'a str) -> StoreAnswer<'a, ()>;
}
